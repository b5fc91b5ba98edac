package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"

	"github.com/luatrace/luatrace/luaapi/diag"
	"golang.org/x/sys/unix"
)

// The -c command starts as a copy of luatrace that waits for one byte on
// fd 3 and then execs the command: its pid is known (and used as the
// probes' filter) before it runs a single instruction of its own.
//
// That copy is marked by its argv[0] and by a pipe on fd 3, never by the
// environment: an environment is inherited by whatever luatrace runs, and
// a variable set by a caller would turn luatrace into the paused child.
const execChildArg0 = "luatrace (paused -c command)"

func isExecChild() bool {
	if len(os.Args) < 2 || os.Args[0] != execChildArg0 {
		return false
	}
	var st unix.Stat_t
	return unix.Fstat(3, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFIFO
}

// The paused child must exec from its main thread. Exec from another
// thread makes that thread take over the pid while the original leader
// task dies, and perf events opened on the leader (uprobes filtered to
// the pid) would be left watching a dead task. Locking in init keeps main
// on the main thread.
func init() {
	if isExecChild() {
		runtime.LockOSThread()
	}
}

// execChild runs in the paused child: wait for the go-ahead, then become
// the command.
func execChild() {
	gate := os.NewFile(3, "gate")
	var b [1]byte
	if n, _ := gate.Read(b[:]); n != 1 {
		os.Exit(diag.StatusError) // luatrace went away before starting us
	}
	gate.Close()
	restoreEnv()
	argv := os.Args[1:]
	path, err := exec.LookPath(argv[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "luatrace: cannot run %s: command not found\n", argv[0])
		os.Exit(127)
	}
	err = syscall.Exec(path, argv, os.Environ())
	fmt.Fprintf(os.Stderr, "luatrace: cannot run %s: %v\n", argv[0], err)
	os.Exit(126)
}

// savedGodebugEnv carries the user's GODEBUG (with a leading "=" when it
// was set) across the paused child, which runs with async preemption off:
// the Go runtime's preemption signals are sent with getpid+tgkill, and
// those syscalls would show up as the traced command's own.
const savedGodebugEnv = "LUATRACE_EXEC_GODEBUG"

// childEnv is the paused child's environment.
func childEnv(env []string) []string {
	godebug, set := os.LookupEnv("GODEBUG")
	saved := ""
	if set {
		saved = "=" + godebug
	}
	out := make([]string, 0, len(env)+3)
	for _, kv := range env {
		if !strings.HasPrefix(kv, "GODEBUG=") {
			out = append(out, kv)
		}
	}
	pre := "asyncpreemptoff=1"
	if godebug != "" {
		pre = godebug + "," + pre
	}
	return append(out, savedGodebugEnv+"="+saved, "GODEBUG="+pre)
}

// restoreEnv gives the command the environment luatrace was started with.
func restoreEnv() {
	saved := os.Getenv(savedGodebugEnv)
	os.Unsetenv(savedGodebugEnv)
	if v, ok := strings.CutPrefix(saved, "="); ok {
		os.Setenv("GODEBUG", v)
	} else {
		os.Unsetenv("GODEBUG")
	}
}

type child struct {
	cmd  *exec.Cmd
	pid  int
	gate *os.File
}

// startPaused starts the -c command held at its first instruction.
func startPaused(command string, stderr io.Writer) (*child, error) {
	argv, err := splitCommand(command)
	if err != nil {
		return nil, err
	}
	if _, err := exec.LookPath(argv[0]); err != nil {
		return nil, fmt.Errorf("cannot run -c command %q: %s not found", command, argv[0])
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find luatrace's own binary to start -c: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start -c command: %w", err)
	}
	cmd := exec.Command(self, argv...)
	cmd.Args[0] = execChildArg0
	cmd.Env = childEnv(os.Environ())
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, stderr
	cmd.ExtraFiles = []*os.File{r}
	// If luatrace dies, the command must not linger paused.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("start -c command %q: %w", command, err)
	}
	r.Close()
	return &child{cmd: cmd, pid: cmd.Process.Pid, gate: w}, nil
}

// release lets the command run.
func (c *child) release() {
	if c.gate != nil {
		c.gate.Write([]byte{1})
		c.gate.Close()
		c.gate = nil
	}
}

// wait returns how the command ended, as the trace's stop reason.
func (c *child) wait() string {
	err := c.cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return "command exited with status 0"
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return fmt.Sprintf("command killed by signal %d (%v)", int(ws.Signal()), ws.Signal())
		}
		return fmt.Sprintf("command exited with status %d", ee.ExitCode())
	default:
		return fmt.Sprintf("command failed: %v", err)
	}
}

// kill ends a command that is still running when luatrace exits (an
// error before it was released, for instance).
func (c *child) kill() {
	if c.gate != nil {
		c.gate.Close()
		c.gate = nil
	}
	if c.cmd.ProcessState == nil {
		c.cmd.Process.Kill()
	}
}
