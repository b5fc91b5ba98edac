package osext

import (
	"fmt"
	"os"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"github.com/luatrace/luatrace/luaapi/host"
)

// interceptReads makes io.open(path [, "r" or "rb"]) and io.lines(path)
// read the file through h: whole, at open, so that a recording keeps the
// contents the script saw and a replay serves them. The contents reach
// gopher-lua's own io functions as an in-memory file (memfd) opened by
// /proc/self/fd path, so every file method behaves as usual. Writes are
// left alone: what a script writes is its output, on the machine it runs on.
func interceptReads(L *lua.LState, h *host.Host) {
	io, ok := L.GetGlobal("io").(*lua.LTable)
	if !ok {
		return
	}
	for _, name := range []string{"open", "lines"} {
		orig, ok := L.GetField(io, name).(*lua.LFunction)
		if !ok {
			continue
		}
		L.SetField(io, name, L.NewFunction(func(L *lua.LState) int {
			mode := L.OptString(2, "r")
			if L.GetTop() == 0 || (name == "open" && mode != "r" && mode != "rb") {
				return callThrough(L, orig)
			}
			path := L.CheckString(1)
			data, err := h.ReadFile(L, path)
			if err != nil {
				if name == "lines" {
					L.RaiseError("%s", err.Error())
				}
				L.Push(lua.LNil)
				L.Push(lua.LString(err.Error()))
				L.Push(lua.LNumber(1)) // as gopher-lua's io.open
				return 3
			}
			fd, err := inMemory(path, data)
			if err != nil {
				L.RaiseError("io.%s %s: %s", name, path, err.Error())
			}
			defer unix.Close(fd)
			L.Replace(1, lua.LString(fmt.Sprintf("/proc/self/fd/%d", fd)))
			return callThrough(L, orig)
		}))
	}
}

// callThrough calls fn with this call's arguments and returns its results.
func callThrough(L *lua.LState, fn *lua.LFunction) int {
	top := L.GetTop()
	L.Push(fn)
	for i := 1; i <= top; i++ {
		L.Push(L.Get(i))
	}
	L.Call(top, lua.MultRet)
	return L.GetTop() - top
}

// inMemory returns a file descriptor of an in-memory file holding data.
func inMemory(path string, data []byte) (int, error) {
	name := path[strings.LastIndexByte(path, '/')+1:]
	fd, err := unix.MemfdCreate("luatrace:"+name, unix.MFD_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("in-memory file: %w", err)
	}
	f := os.NewFile(uintptr(fd), name)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return -1, fmt.Errorf("in-memory file: %w", err)
	}
	nfd, err := unix.Dup(fd)
	f.Close()
	if err != nil {
		return -1, fmt.Errorf("in-memory file: %w", err)
	}
	return nfd, nil
}
