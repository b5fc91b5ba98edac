package mem

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"github.com/luatrace/luatrace/luaapi/value"
)

// maxMemRead bounds one mem.* read.
const maxMemRead = 1 << 20

func checkSize(L *lua.LState, n int, def int) int {
	size := L.OptInt(n, def)
	if size <= 0 || size > maxMemRead {
		L.ArgError(n, fmt.Sprintf("size must be 1 to %d bytes", maxMemRead))
	}
	return size
}

// pushResult returns s, or nil and err's message.
func pushResult(L *lua.LState, s []byte, err error) int {
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(lua.LString(s))
	return 1
}

// kread implements mem.kread(addr, n).
func (m module) kread(L *lua.LState) int {
	addr, n := value.CheckAddr(L, 1), checkSize(L, 2, 0)
	b, err := m.k.ReadKernel(addr, n)
	return pushResult(L, b, err)
}

// kstr implements mem.kstr(addr[, max]): a NUL-terminated string.
func (m module) kstr(L *lua.LState) int {
	addr, max := value.CheckAddr(L, 1), checkSize(L, 2, 4096)
	s, err := m.k.ReadKernelString(addr, max)
	return pushResult(L, []byte(s), err)
}

// uread implements mem.uread(pid, addr, n).
func uread(L *lua.LState) int {
	pid, addr, n := L.CheckInt(1), value.CheckAddr(L, 2), checkSize(L, 3, 0)
	b, err := readProcess(pid, addr, n)
	return pushResult(L, b, err)
}

// ustr implements mem.ustr(pid, addr[, max]): reads until a NUL, in
// pieces that stop at page ends so a string near unmapped memory reads.
func ustr(L *lua.LState) int {
	pid, addr, max := L.CheckInt(1), value.CheckAddr(L, 2), checkSize(L, 3, 4096)
	var out []byte
	for len(out) < max {
		piece := int(4096 - (addr+uint64(len(out)))%4096)
		piece = min(piece, max-len(out))
		b, err := readProcess(pid, addr+uint64(len(out)), piece)
		if err != nil {
			if len(out) > 0 {
				break
			}
			return pushResult(L, nil, err)
		}
		for i, c := range b {
			if c == 0 {
				return pushResult(L, append(out, b[:i]...), nil)
			}
		}
		out = append(out, b...)
	}
	return pushResult(L, out, nil)
}

func readProcess(pid int, addr uint64, n int) ([]byte, error) {
	buf := make([]byte, n)
	got, err := unix.ProcessVMReadv(pid, []unix.Iovec{{Base: &buf[0], Len: uint64(n)}},
		[]unix.RemoteIovec{{Base: uintptr(addr), Len: n}}, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot read %d bytes at 0x%x in process %d: %w", n, addr, pid, err)
	}
	if got < n {
		return nil, fmt.Errorf("cannot read %d bytes at 0x%x in process %d: only %d are mapped", n, addr, pid, got)
	}
	return buf, nil
}
