package e2e

import (
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/luatrace/luatrace/test/testenv"
)

// TestREPLSession drives the real binary in a pseudo-terminal as a user
// would: evaluate, continue a multi-line chunk, attach a probe, trigger it,
// see its output before the next prompt, complete a spec with Tab, list and
// detach probes, and leave with Ctrl-D with nothing left attached.
func TestREPLSession(t *testing.T) {
	requireRoot(t)
	master, slave := openPTY(t)
	cmd := exec.Command(bin(t, "luatrace"))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.Env = append(cmd.Environ(), "HOME="+t.TempDir(), "TERM=xterm")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	slave.Close()
	term := newTerminal(t, master)
	const wait = 10 * time.Second

	term.expect("lua> ", wait)
	if out := term.enter("1 + 1", "lua> ", wait); !strings.Contains(out, "2\r\n") {
		t.Errorf("1 + 1 printed %q", out)
	}

	term.enter("local total = 0", "lua> ", wait)
	term.enter("for i = 1, 3 do", "  >> ", wait)
	term.enter("total = total + i end", "lua> ", wait)
	if out := term.enter("=total", "lua> ", wait); !strings.Contains(out, "6\r\n") {
		t.Errorf("multi-line chunk with a local: =total printed %q", out)
	}

	// Only the workload's calls: other jobs on the machine call getppid too.
	term.enter(`h = probe("tracepoint:syscalls:sys_enter_getppid", {comm = "syscalls"}, function(e) printf("hit %d\n", e.pid) end)`, "lua> ", wait)
	workload := exec.Command(bin(t, "syscalls"), "3")
	if err := workload.Run(); err != nil {
		t.Fatal(err)
	}
	pid := strconv.Itoa(workload.Process.Pid)
	// Output produced while the prompt is open appears, framed, before the
	// next prompt; the reader delivers within its poll period, so press
	// Enter until it is there.
	deadline := time.Now().Add(wait)
	for {
		out := term.enter("", "lua> ", wait)
		if strings.Contains(out, "--- probe output ---") {
			if strings.Count(out, "hit "+pid+"\r\n") != 3 {
				t.Errorf("probe output %q, want 3 hits from pid %s", out, pid)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("probe output never appeared before a prompt")
		}
	}

	// Ctrl-C stops a line that runs too long, and the session goes on.
	term.typeText(`io.stderr:write("looping\n") while true do end` + "\r")
	term.expect("looping\r\n", wait)
	term.typeText("\x03")
	term.expect("interrupted", wait)
	term.expect("lua> ", wait)

	// :follow streams output as it happens, until Ctrl-C.
	term.typeText(":follow\r")
	term.expect("Ctrl-C to stop", wait)
	again := exec.Command(bin(t, "syscalls"), "2")
	if err := again.Run(); err != nil {
		t.Fatal(err)
	}
	term.expect("hit "+strconv.Itoa(again.Process.Pid)+"\r\nhit "+strconv.Itoa(again.Process.Pid)+"\r\n", wait)
	term.typeText("\x03")
	term.expect("(stopped following)", wait)
	term.expect("lua> ", wait)

	if out := term.enter(":probes", "lua> ", wait); !strings.Contains(out, "tracepoint:syscalls:sys_enter_getppid") {
		t.Errorf(":probes printed %q", out)
	}

	// Tab completes probe specs from tracefs; Ctrl-C then clears the line.
	term.typeText(`probe("tracepoint:sched:sched_process_exe` + "\t")
	term.expect("sched_process_exec", wait)
	term.typeText("\x03")
	term.expect("lua> ", wait)
	// Lua names complete from the session's globals.
	term.typeText("string.for\t")
	term.expect("string.format(", wait)
	term.typeText("\x03")
	term.expect("lua> ", wait)

	ids := testenv.HeldBPF(t, cmd.Process.Pid)
	if len(ids.Progs) == 0 || len(ids.Links) == 0 {
		t.Fatalf("the session holds %s", ids)
	}
	if out := term.enter(":detach 1", "lua> ", wait); !strings.Contains(out, "detached tracepoint:syscalls:sys_enter_getppid") {
		t.Errorf(":detach printed %q", out)
	}
	term.typeText("\x04") // Ctrl-D
	if err := cmd.Wait(); err != nil {
		t.Fatalf("luatrace after Ctrl-D: %v", err)
	}
	ids.WaitFreed(t, "Ctrl-D")
}

// With stdin not a terminal, `luatrace repl` reads plain lines and prints
// no prompts, so sessions can be scripted.
func TestREPLFromPipe(t *testing.T) {
	requireRoot(t)
	workload := bin(t, "syscalls")
	input := strings.Join([]string{
		"=1 + 1",
		"n = 0",
		`probe("tracepoint:syscalls:sys_enter_getppid", {comm = "syscalls"}, function(e) n = n + 1 end)`,
		`os.execute("` + workload + ` 5")`,
		":wait 0.5",
		"=n",
	}, "\n") + "\n"
	cmd := exec.Command(bin(t, "luatrace"), "repl")
	cmd.Stdin = strings.NewReader(input)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("luatrace repl: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if lines[0] != "2" || lines[len(lines)-1] != "5" || strings.Contains(string(out), "lua>") {
		t.Errorf("transcript:\n%s", out)
	}
}
