package osext

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	lua "github.com/yuin/gopher-lua"
)

// execute implements os.execute(command) as gopher-lua's does (/bin/sh -c
// command on luatrace's stdin, stdout and stderr; 0 when it succeeded,
// else 1), except that a stop of the script (Ctrl-C, SIGTERM: the Lua
// state's context ends) sends the command SIGINT. A Ctrl-C at a terminal
// reaches the command by itself, but a signal sent to luatrace's pid alone
// (kill, a service manager) did not: the script waited for the command,
// however long it ran, and only a second signal ended luatrace. The
// processes the shell started get SIGINT too: a shell that waits for a
// command defers its own SIGINT until the command ends (sh -c 'sleep 100'
// waited the 100 s), as a terminal's Ctrl-C reaches them all.
func execute(L *lua.LState) int {
	cmd := exec.Command("/bin/sh", "-c", L.CheckString(1))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		L.Push(lua.LNumber(1))
		return 1
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var stop <-chan struct{}
	if ctx := L.Context(); ctx != nil {
		stop = ctx.Done()
	}
	var err error
	select {
	case err = <-done:
	case <-stop:
		interruptTree(cmd.Process.Pid)
		err = <-done
	}
	if err != nil {
		L.Push(lua.LNumber(1))
		return 1
	}
	L.Push(lua.LNumber(0))
	return 1
}

// interruptTree sends SIGINT to pid and, children first, to every process
// under it that /proc/PID/task/TID/children lists, as a Ctrl-C at a
// terminal sends it to the whole foreground process group. os.execute's
// command is not a group of its own, so that it keeps the terminal.
func interruptTree(pid int) {
	for _, c := range children(pid) {
		interruptTree(c)
	}
	syscall.Kill(pid, syscall.SIGINT)
}

// children lists the processes pid's threads started; none when /proc
// does not say (CONFIG_PROC_CHILDREN).
func children(pid int) []int {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return nil
	}
	var out []int
	for _, t := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, t.Name()))
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}
