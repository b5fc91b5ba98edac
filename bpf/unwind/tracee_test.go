package unwind

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/luatrace/luatrace/bpf/usym"
	"github.com/luatrace/luatrace/test/testenv"
)

// buildQsort compiles test/workloads/qsortcmp.c with the given flags.
func buildQsort(t testing.TB, flags ...string) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("gcc is needed to build the unwinding workloads")
		}
		t.Skip("gcc is not installed")
	}
	out := filepath.Join(t.TempDir(), "qsortcmp")
	args := append(append([]string{}, flags...), "-o", out, filepath.Join(testenv.RepoRoot(), "test", "workloads", "qsortcmp.c"))
	if b, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %v: %v\n%s", flags, err, b)
	}
	return out
}

// tracee is a workload run under ptrace by the test's OS thread, which
// the test must lock (runtime.LockOSThread) for as long as it uses it.
type tracee struct {
	t   testing.TB
	pid int
}

// startTracee runs bin stopped at its exec, traced by the calling
// goroutine's OS thread, which stays locked until the test ends: ptrace
// answers only the thread that attached.
func startTracee(t testing.TB, bin string, args ...string) *tracee {
	t.Helper()
	testenv.RequireRoot(t)
	runtime.LockOSThread()
	t.Cleanup(runtime.UnlockOSThread)
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Ptrace: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tr := &tracee{t: t, pid: cmd.Process.Pid}
	t.Cleanup(func() {
		syscall.Kill(tr.pid, syscall.SIGKILL)
		var ws syscall.WaitStatus
		syscall.Wait4(tr.pid, &ws, syscall.WALL, nil)
	})
	tr.wait(syscall.SIGTRAP)
	return tr
}

// wait waits for the next stop and checks its signal.
func (tr *tracee) wait(want syscall.Signal) {
	tr.t.Helper()
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(tr.pid, &ws, syscall.WALL, nil); err != nil {
		tr.t.Fatal(err)
	}
	if !ws.Stopped() || ws.StopSignal() != want {
		tr.t.Fatalf("tracee: status %#x, want a stop by %v", ws, want)
	}
}

// addr is the run-time address of function fn of the mapped file whose
// path ends in file.
func (tr *tracee) addr(file, fn string) uint64 {
	tr.t.Helper()
	m := tr.mapping(file)
	sym, err := usym.LookupFunc(m.Path, fn)
	if err != nil {
		tr.t.Fatal(err)
	}
	return tr.runtime(m, sym.Value)
}

// mapping is the executable mapping of the file whose path ends in file.
func (tr *tracee) mapping(file string) usym.Mapping {
	tr.t.Helper()
	p, err := usym.NewStore(usym.Config{}).Snapshot(tr.pid)
	if err != nil {
		tr.t.Fatal(err)
	}
	for _, m := range p.Mappings {
		if m.Image != nil && strings.HasSuffix(m.Path, file) {
			return m
		}
	}
	tr.t.Fatalf("%s is not mapped in process %d", file, tr.pid)
	return usym.Mapping{}
}

// runtime turns a link-time address of m's file into a process address.
func (tr *tracee) runtime(m usym.Mapping, vaddr uint64) uint64 {
	tr.t.Helper()
	off, ok := m.Image.FileOffset(vaddr)
	if !ok || off < m.Offset || off-m.Offset >= m.End-m.Start {
		tr.t.Fatalf("%#x of %s is outside its executable mapping", vaddr, m.Path)
	}
	return m.Start + off - m.Offset
}

// stopIn runs the tracee until it executes the instruction at addr, then
// steps over `steps` more instructions (past a prologue) and leaves it
// stopped there, the breakpoint removed.
func (tr *tracee) stopIn(addr uint64, steps int) {
	tr.t.Helper()
	orig := make([]byte, 1)
	if _, err := syscall.PtracePeekText(tr.pid, uintptr(addr), orig); err != nil {
		tr.t.Fatal(err)
	}
	if _, err := syscall.PtracePokeText(tr.pid, uintptr(addr), []byte{0xcc}); err != nil {
		tr.t.Fatal(err)
	}
	tr.cont(0)
	tr.wait(syscall.SIGTRAP)
	if _, err := syscall.PtracePokeText(tr.pid, uintptr(addr), orig); err != nil {
		tr.t.Fatal(err)
	}
	var regs syscall.PtraceRegs
	if err := syscall.PtraceGetRegs(tr.pid, &regs); err != nil {
		tr.t.Fatal(err)
	}
	regs.Rip = addr
	if err := syscall.PtraceSetRegs(tr.pid, &regs); err != nil {
		tr.t.Fatal(err)
	}
	for range steps {
		if err := syscall.PtraceSingleStep(tr.pid); err != nil {
			tr.t.Fatal(err)
		}
		tr.wait(syscall.SIGTRAP)
	}
}

// stepUntil single-steps until the pc satisfies at, at most limit
// instructions.
func (tr *tracee) stepUntil(limit int, at func(pc uint64) bool) {
	tr.t.Helper()
	for range limit {
		var regs syscall.PtraceRegs
		if err := syscall.PtraceGetRegs(tr.pid, &regs); err != nil {
			tr.t.Fatal(err)
		}
		if at(regs.Rip) {
			return
		}
		if err := syscall.PtraceSingleStep(tr.pid); err != nil {
			tr.t.Fatal(err)
		}
		tr.wait(syscall.SIGTRAP)
	}
	tr.t.Fatalf("the tracee did not get there in %d instructions", limit)
}

func (tr *tracee) cont(sig syscall.Signal) {
	tr.t.Helper()
	if err := syscall.PtraceCont(tr.pid, int(sig)); err != nil {
		tr.t.Fatal(err)
	}
}

// interrupt stops the running tracee wherever it is, as a profiling
// signal would: the stop is the delivery of SIGURG, which cont(0) then
// discards.
func (tr *tracee) interrupt() {
	tr.t.Helper()
	if err := syscall.Tgkill(tr.pid, tr.pid, syscall.SIGURG); err != nil {
		tr.t.Fatal(err)
	}
	tr.wait(syscall.SIGURG)
}

// capture takes a Sample of the stopped tracee.
func (tr *tracee) capture(size int) *Sample {
	tr.t.Helper()
	s, err := CaptureStopped(tr.pid, size)
	if err != nil {
		tr.t.Fatal(err)
	}
	return &s
}
