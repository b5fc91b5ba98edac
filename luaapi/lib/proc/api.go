package proc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/luatrace/luatrace/luaapi/diag"
	lua "github.com/yuin/gopher-lua"
)

// procRoot is where process information is read.
const procRoot = "/proc"

// procFile reads /proc/PID/NAME, or says why not in one sentence ("process
// 123 does not exist" when it has exited).
func procFile(pid int, name string) ([]byte, error) {
	b, err := os.ReadFile(fmt.Sprintf("%s/%d/%s", procRoot, pid, name))
	return b, procError(pid, name, err)
}

func procError(pid int, name string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrNotExist):
		if _, serr := os.Stat(fmt.Sprintf("%s/%d", procRoot, pid)); serr != nil {
			return fmt.Errorf("process %d does not exist (it may have exited)", pid)
		}
		return fmt.Errorf("process %d has no %s", pid, name)
	case errors.Is(err, fs.ErrPermission):
		return &diag.Error{Msg: fmt.Sprintf("not allowed to read %s of process %d", name, pid), Hint: "run as root", Kind: diag.ErrPrivileges, Err: err}
	}
	return fmt.Errorf("read %s of process %d: %v", name, pid, errors.Unwrap(err))
}

// procFunc adapts a reader of one process fact to Lua: value, or nil and
// the error sentence.
func procFunc(read func(pid int) (lua.LValue, error)) lua.LGFunction {
	return func(L *lua.LState) int {
		pid := L.CheckInt(1)
		if pid <= 0 {
			L.ArgError(1, "process id expected")
		}
		v, err := read(pid)
		if err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(err.Error()))
			return 2
		}
		L.Push(v)
		return 1
	}
}

// statField returns field n (1-based, as proc(5) numbers them) of
// /proc/PID/stat; the comm field may hold spaces and parentheses, so the
// fields after it are counted from the last ')'.
func statField(pid, n int) (string, error) {
	b, err := procFile(pid, "stat")
	if err != nil {
		return "", err
	}
	s := string(b)
	end := strings.LastIndexByte(s, ')')
	if end < 0 || n < 3 {
		return "", fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	f := strings.Fields(s[end+1:])
	if n-3 >= len(f) {
		return "", fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	return f[n-3], nil
}

// api reads /proc.
var api = map[string]lua.LGFunction{
	"cmdline": procFunc(func(pid int) (lua.LValue, error) {
		b, err := procFile(pid, "cmdline")
		if err != nil {
			return nil, err
		}
		t := &lua.LTable{}
		if len(b) == 0 { // kernel threads and zombies have no command line
			return t, nil
		}
		for _, a := range strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00") {
			t.Append(lua.LString(a))
		}
		return t, nil
	}),
	"comm": procFunc(func(pid int) (lua.LValue, error) {
		b, err := procFile(pid, "comm")
		return lua.LString(strings.TrimSuffix(string(b), "\n")), err
	}),
	"ppid": procFunc(func(pid int) (lua.LValue, error) {
		f, err := statField(pid, 4)
		if err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(f)
		return lua.LNumber(n), err
	}),
	"cgroup": procFunc(func(pid int) (lua.LValue, error) {
		b, err := procFile(pid, "cgroup")
		if err != nil {
			return nil, err
		}
		// cgroup v2 is the line "0::/path"; on a v1 or hybrid system,
		// fall back to the first hierarchy listed.
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		for _, l := range lines {
			if p, ok := strings.CutPrefix(l, "0::"); ok {
				return lua.LString(p), nil
			}
		}
		if parts := strings.SplitN(lines[0], ":", 3); len(parts) == 3 {
			return lua.LString(parts[2]), nil
		}
		return nil, fmt.Errorf("process %d has no cgroup", pid)
	}),
	"exe": procFunc(func(pid int) (lua.LValue, error) {
		p, err := os.Readlink(fmt.Sprintf("%s/%d/exe", procRoot, pid))
		if err != nil {
			return nil, procError(pid, "exe", err)
		}
		return lua.LString(p), nil
	}),
	"exists": func(L *lua.LState) int {
		_, err := os.Stat(fmt.Sprintf("%s/%d", procRoot, L.CheckInt(1)))
		L.Push(lua.LBool(err == nil))
		return 1
	},
}
