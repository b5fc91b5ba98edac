package proc

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/luatrace/luatrace/luaapi/diag"
	"github.com/luatrace/luatrace/luaapi/host"
	lua "github.com/yuin/gopher-lua"
)

// procRoot is where process information is read.
const procRoot = "/proc"

// reader reads /proc through a host: the machine's, or a recording's.
type reader struct {
	h *host.Host
	L *lua.LState
}

// procFile reads /proc/PID/NAME, or says why not in one sentence ("process
// 123 does not exist" when it has exited).
func (rd reader) procFile(pid int, name string) ([]byte, error) {
	b, err := rd.h.ReadFile(rd.L, fmt.Sprintf("%s/%d/%s", procRoot, pid, name))
	return b, rd.procError(pid, name, err)
}

func (rd reader) procError(pid int, name string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrNotExist):
		if !rd.h.Exists(rd.L, fmt.Sprintf("%s/%d", procRoot, pid)) {
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
func procFunc(h *host.Host, read func(rd reader, pid int) (lua.LValue, error)) lua.LGFunction {
	return func(L *lua.LState) int {
		pid := L.CheckInt(1)
		if pid <= 0 {
			L.ArgError(1, "process id expected")
		}
		v, err := read(reader{h, L}, pid)
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
func (rd reader) statField(pid, n int) (string, error) {
	b, err := rd.procFile(pid, "stat")
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

// api reads /proc through h.
func api(h *host.Host) map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"cmdline": procFunc(h, func(rd reader, pid int) (lua.LValue, error) {
			b, err := rd.procFile(pid, "cmdline")
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
		"comm": procFunc(h, func(rd reader, pid int) (lua.LValue, error) {
			b, err := rd.procFile(pid, "comm")
			return lua.LString(strings.TrimSuffix(string(b), "\n")), err
		}),
		"ppid": procFunc(h, func(rd reader, pid int) (lua.LValue, error) {
			f, err := rd.statField(pid, 4)
			if err != nil {
				return nil, err
			}
			n, err := strconv.Atoi(f)
			return lua.LNumber(n), err
		}),
		"cgroup": procFunc(h, func(rd reader, pid int) (lua.LValue, error) {
			b, err := rd.procFile(pid, "cgroup")
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
		"exe": procFunc(h, func(rd reader, pid int) (lua.LValue, error) {
			p, err := h.Readlink(rd.L, fmt.Sprintf("%s/%d/exe", procRoot, pid))
			if err != nil {
				return nil, rd.procError(pid, "exe", err)
			}
			return lua.LString(p), nil
		}),
		"exists": func(L *lua.LState) int {
			L.Push(lua.LBool(h.Exists(L, fmt.Sprintf("%s/%d", procRoot, L.CheckInt(1)))))
			return 1
		},
	}
}
