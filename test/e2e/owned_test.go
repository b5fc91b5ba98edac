package e2e

import (
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/luatrace/luatrace/test/testenv"
)

// runOwned runs luatrace to completion like luatrace(), with env added to
// the environment, under ptrace, to learn every BPF object it held
// however quickly it fails: each file
// descriptor is read from /proc/PID/fdinfo as it is closed (at the entry
// of close(2)) and as the process exits (PTRACE_EVENT_EXIT, before the
// kernel closes what is left). It returns them, to check that they are
// freed once luatrace is gone.
func runOwned(t *testing.T, env []string, args ...string) (result, testenv.BPFIDs) {
	t.Helper()
	dir := t.TempDir()
	stdout, err := os.Create(dir + "/stdout")
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := os.Create(dir + "/stderr")
	if err != nil {
		t.Fatal(err)
	}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	argv := append([]string{bin(t, "luatrace")}, args...)
	type outcome struct {
		ids      testenv.BPFIDs
		status   unix.WaitStatus
		timedOut bool
		err      error
	}
	done := make(chan outcome, 1)
	go func() {
		// The tracer is this thread: every ptrace request must come from
		// it, and it ends with the goroutine, which kills the tracee if
		// anything went wrong (PTRACE_O_EXITKILL).
		runtime.LockOSThread()
		var o outcome
		attr := &os.ProcAttr{Dir: build(t), Files: []*os.File{devnull, stdout, stderr}, Sys: &unix.SysProcAttr{Ptrace: true}}
		if env != nil {
			attr.Env = append(os.Environ(), env...)
		}
		o.status, o.timedOut, o.err = traceToExit(argv, attr, &o.ids)
		done <- o
	}()
	o := <-done
	if o.err != nil {
		t.Fatalf("run %q under ptrace: %v", args, o.err)
	}
	out, _ := os.ReadFile(dir + "/stdout")
	errb, _ := os.ReadFile(dir + "/stderr")
	if o.timedOut {
		t.Fatalf("luatrace %q did not finish within a minute\nstdout:\n%s\nstderr:\n%s", args, out, errb)
	}
	r := result{stdout: string(out), stderr: string(errb), code: o.status.ExitStatus()}
	if o.status.Signaled() {
		r.code = 128 + int(o.status.Signal())
	}
	return r, o.ids
}

// traceToExit starts argv traced and runs it to its end, collecting the
// BPF objects it holds. It must run on a locked OS thread.
func traceToExit(argv []string, attr *os.ProcAttr, ids *testenv.BPFIDs) (status unix.WaitStatus, timedOut bool, err error) {
	proc, err := os.StartProcess(argv[0], argv, attr)
	if err != nil {
		return 0, false, err
	}
	defer proc.Release()
	pid := proc.Pid
	// The child stops with SIGTRAP after exec.
	if _, err := unix.Wait4(pid, &status, unix.WALL, nil); err != nil {
		return 0, false, err
	}
	opts := unix.PTRACE_O_TRACECLONE | unix.PTRACE_O_TRACEEXIT | unix.PTRACE_O_EXITKILL | unix.PTRACE_O_TRACESYSGOOD
	if err := unix.PtraceSetOptions(pid, opts); err != nil {
		proc.Kill()
		return 0, false, fmt.Errorf("set ptrace options: %w", err)
	}
	if err := unix.PtraceSyscall(pid, 0); err != nil {
		return 0, false, err
	}
	var late atomic.Bool
	deadline := time.AfterFunc(time.Minute, func() {
		late.Store(true)
		unix.Kill(pid, unix.SIGKILL)
	})
	defer deadline.Stop()
	seen := map[int]bool{pid: true} // threads past their first stop
	for {
		// __WNOTHREAD: only this thread's children and tracees, never
		// processes other tests started.
		tid, err := unix.Wait4(-1, &status, unix.WALL|unix.WNOTHREAD, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, late.Load(), err
		}
		if status.Exited() || status.Signaled() {
			if tid == pid {
				return status, late.Load(), nil
			}
			continue
		}
		if !status.Stopped() {
			continue
		}
		sig := status.StopSignal()
		switch {
		case sig == unix.SIGTRAP|0x80:
			if fd, ok := closing(tid); ok {
				ids.AddFD(pid, fd)
			}
			sig = 0
		case sig == unix.SIGTRAP && status.TrapCause() == unix.PTRACE_EVENT_EXIT:
			// Files are still open: the thread has not left do_exit.
			ids.AddHeld(pid)
			sig = 0
		case !seen[tid]:
			seen[tid] = true
			sig = 0 // a new thread's first stop, SIGSTOP
		case sig == unix.SIGTRAP && status.TrapCause() > 0, !signalDelivery(tid):
			sig = 0 // a clone event, or a group stop
		}
		unix.PtraceSyscall(tid, int(sig))
	}
}

// closing reports the file descriptor thread tid is about to close, when
// it stopped at the entry of close(2).
func closing(tid int) (int, bool) {
	// struct ptrace_syscall_info: op, 3 pad bytes, arch, ip, sp, then for
	// an entry the syscall number and its arguments.
	var info [88]byte
	_, _, errno := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GET_SYSCALL_INFO, uintptr(tid), uintptr(len(info)), uintptr(unsafe.Pointer(&info[0])), 0, 0)
	if errno != 0 || info[0] != unix.PTRACE_SYSCALL_INFO_ENTRY {
		return 0, false
	}
	nr, fd := binary.LittleEndian.Uint64(info[24:]), binary.LittleEndian.Uint64(info[32:])
	return int(int32(fd)), nr == unix.SYS_CLOSE
}

// signalDelivery tells a signal about to be delivered, which must be
// passed on, from a group stop: only the former has siginfo.
func signalDelivery(tid int) bool {
	var info [128]byte
	_, _, errno := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GETSIGINFO, uintptr(tid), 0, uintptr(unsafe.Pointer(&info[0])), 0, 0)
	return errno == 0
}
