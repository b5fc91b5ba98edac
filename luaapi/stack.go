package luaapi

import (
	"fmt"
	"os"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/ksym"
	"github.com/luatrace/luatrace/bpf/usym"
	"github.com/luatrace/luatrace/luaapi/value"
)

const stackTypeName = "luatrace.stack"

// stack is a captured kernel or user stack, symbolized when created.
type stack struct {
	frames []frame
}

type frame struct {
	addr   uint64
	sym    string
	offset uint64
	module string
}

// symbolizers resolve addresses for the owner goroutine; loaded lazily.
type symbolizers struct {
	kernel     *ksym.Table
	kernelDone bool
	user       *usym.Symbolizer
}

func (s *symbolizers) kernelTable() *ksym.Table {
	if !s.kernelDone {
		s.kernelDone = true
		if f, err := os.Open("/proc/kallsyms"); err == nil {
			if syms, err := ksym.LoadKallsyms(f); err == nil {
				s.kernel = ksym.NewTable(syms)
			}
			f.Close()
		}
	}
	return s.kernel
}

func (r *Runtime) newStack(L *lua.LState, addrs []uint64, user bool, pid int) lua.LValue {
	st := &stack{frames: make([]frame, len(addrs))}
	for i, a := range addrs {
		fr := frame{addr: a}
		if user {
			if r.syms.user == nil {
				r.syms.user = usym.NewSymbolizer()
			}
			uf := r.syms.user.Resolve(pid, a)
			fr.sym, fr.offset, fr.module = uf.Sym, uf.Offset, uf.Module
		} else if t := r.syms.kernelTable(); t != nil {
			if sym, off, ok := t.Resolve(a); ok {
				fr.sym, fr.offset, fr.module = sym.Name, off, sym.Module
			}
		}
		st.frames[i] = fr
	}
	ud := L.NewUserData()
	ud.Value = st
	L.SetMetatable(ud, L.GetTypeMetatable(stackTypeName))
	return ud
}

func (r *Runtime) installStack() {
	mt := r.L.NewTypeMetatable(stackTypeName)
	r.L.SetField(mt, "__tostring", r.L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(checkStack(L).String()))
		return 1
	}))
	r.L.SetField(mt, "__len", r.L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LNumber(len(checkStack(L).frames)))
		return 1
	}))
	r.L.SetField(mt, "__index", r.L.NewFunction(func(L *lua.LState) int {
		st := checkStack(L)
		i := L.CheckInt(2)
		if i < 1 || i > len(st.frames) {
			L.Push(lua.LNil)
			return 1
		}
		fr := st.frames[i-1]
		t := L.NewTable()
		t.RawSetString("addr", value.Uint(fr.addr))
		t.RawSetString("offset", value.Uint(fr.offset))
		if fr.sym != "" {
			t.RawSetString("sym", lua.LString(fr.sym))
		}
		if fr.module != "" {
			t.RawSetString("module", lua.LString(fr.module))
		}
		L.Push(t)
		return 1
	}))
}

func checkStack(L *lua.LState) *stack {
	ud := L.CheckUserData(1)
	st, ok := ud.Value.(*stack)
	if !ok {
		L.ArgError(1, "stack expected")
	}
	return st
}

// String lays the stack out as bpftrace prints kstack/ustack: one frame
// per line, indented, "sym+offset" or the address when unknown.
func (st *stack) String() string {
	var b strings.Builder
	b.WriteByte('\n')
	for _, fr := range st.frames {
		if fr.sym != "" {
			fmt.Fprintf(&b, "        %s+%d\n", fr.sym, fr.offset)
		} else {
			fmt.Fprintf(&b, "        0x%x\n", fr.addr)
		}
	}
	return b.String()
}
