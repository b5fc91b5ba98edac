package osext

import (
	"os"
	"os/exec"
	"syscall"

	lua "github.com/yuin/gopher-lua"
)

// execute implements os.execute(command) as gopher-lua's does (/bin/sh -c
// command on luatrace's stdin, stdout and stderr; 0 when it succeeded,
// else 1), except that a stop of the script (Ctrl-C, SIGTERM: the Lua
// state's context ends) sends the command SIGINT. A Ctrl-C at a terminal
// reaches the command by itself, but a signal sent to luatrace's pid alone
// (kill, a service manager) did not: the script waited for the command,
// however long it ran, and only a second signal ended luatrace.
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
		cmd.Process.Signal(syscall.SIGINT)
		err = <-done
	}
	if err != nil {
		L.Push(lua.LNumber(1))
		return 1
	}
	L.Push(lua.LNumber(0))
	return 1
}
