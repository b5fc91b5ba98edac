package kernel

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/cilium/ebpf/btf"
	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/capture"
	"github.com/luatrace/luatrace/bpf/kernelbtf"
	"github.com/luatrace/luatrace/bpf/suggest"
	"github.com/luatrace/luatrace/luaapi/btfvalue"
	"github.com/luatrace/luatrace/luaapi/diag"
	"github.com/luatrace/luatrace/luaapi/udata"
	"github.com/luatrace/luatrace/luaapi/value"
)

// objectType is the kernel.object userdata.
var objectType = udata.New[*kobject]("luatrace.kobject", "kernel.object")

// kobject is a typed view of kernel memory: kernel.object(addr, "struct
// task_struct"). Members are read through BTF when accessed; pointers to
// structs come back as views of their own, followed only when indexed.
type kobject struct {
	addr uint64
	typ  btf.Type
}

func (r *module) openObject(L *lua.LState, kernelTable *lua.LTable) {
	mt := objectType.Metatable(L)
	L.SetField(mt, "__index", L.NewFunction(r.kobjectIndex))
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		o := objectType.Check(L, 1)
		L.Push(lua.LString(fmt.Sprintf("%s @ 0x%x", capture.TypeName(o.typ), o.addr)))
		return 1
	}))
	L.SetField(kernelTable, "object", L.NewFunction(r.kernelObject))
	L.SetField(kernelTable, "addressof", L.NewFunction(func(L *lua.LState) int {
		L.Push(value.Uint(objectType.Check(L, 1).addr))
		return 1
	}))
}

func (r *module) newKobject(L *lua.LState, addr uint64, t btf.Type) lua.LValue {
	return objectType.Wrap(L, &kobject{addr: addr, typ: t})
}

// kernelObject implements kernel.object(addr, "type"): nil and a message
// when the type is unknown.
func (r *module) kernelObject(L *lua.LState) int {
	addr := value.CheckAddr(L, 1)
	name := L.CheckString(2)
	spec, err := kernelbtf.Kernel()
	if err == nil {
		var t btf.Type
		if t, err = capture.LookupType(spec, name); err == nil {
			L.Push(r.newKobject(L, addr, t))
			return 1
		}
	}
	L.Push(lua.LNil)
	L.Push(lua.LString(err.Error()))
	return 2
}

// kobjectIndex reads a member (o.name) or, for pointers and arrays, an
// element (o[i]). A read that faults gives nil.
func (r *module) kobjectIndex(L *lua.LState) int {
	o := objectType.Check(L, 1)
	t := btf.UnderlyingType(o.typ)
	if i, ok := L.Get(2).(lua.LNumber); ok {
		elem, stride, ok := elementOf(t)
		if !ok {
			L.ArgError(2, fmt.Sprintf("%s cannot be indexed by number", capture.TypeName(o.typ)))
		}
		base := o.addr
		if _, isPtr := t.(*btf.Pointer); isPtr {
			p, err := r.kreadUint(base, 8)
			if err != nil || p == 0 {
				L.Push(lua.LNil)
				return 1
			}
			base = p
		}
		L.Push(r.readTyped(L, base+uint64(int64(i)*int64(stride)), elem, 0, 0))
		return 1
	}
	name := L.CheckString(2)
	target := t
	addr := o.addr
	if p, ok := t.(*btf.Pointer); ok {
		// obj.member on a pointer view follows it, as -> would.
		ptr, err := r.kreadUint(addr, 8)
		if err != nil || ptr == 0 {
			L.Push(lua.LNil)
			return 1
		}
		target, addr = btf.UnderlyingType(p.Target), ptr
	}
	m, off, names, found := capture.MemberOf(target, name)
	if !found {
		if names == nil {
			diag.Raise(L, &diag.Error{Msg: capture.TypeName(o.typ) + " has no members", Hint: "index it with a number", Kind: diag.ErrScript})
		}
		L.RaiseError("%s has no member %q%s", capture.TypeName(target), name, suggest.Phrase(name, names))
	}
	L.Push(r.readTyped(L, addr+uint64(off/8), m.Type, off%8, uint32(m.BitfieldSize)))
	return 1
}

// elementOf is what indexing t by number yields, and the stride.
func elementOf(t btf.Type) (btf.Type, int, bool) {
	var elem btf.Type
	switch x := t.(type) {
	case *btf.Array:
		elem = x.Type
	case *btf.Pointer:
		elem = x.Target
	default:
		return nil, 0, false
	}
	size, err := btf.Sizeof(elem)
	if err != nil || size == 0 {
		return nil, 0, false
	}
	return elem, size, true
}

// readTyped turns the object of type t at addr into a Lua value: numbers
// for integers and enums (bitfields shifted out), strings for char arrays,
// views for structs, unions, other arrays and pointers to structs, and
// the address for other pointers.
func (r *module) readTyped(L *lua.LState, addr uint64, t btf.Type, bitOff, bitSize uint32) lua.LValue {
	switch x := btf.UnderlyingType(t).(type) {
	case *btf.Struct, *btf.Union:
		return r.newKobject(L, addr, t)
	case *btf.Array:
		if btfvalue.IsByte(x.Type) {
			s, err := r.kreadString(addr, int(x.Nelems))
			if err != nil {
				return lua.LNil
			}
			return lua.LString(s)
		}
		return r.newKobject(L, addr, t)
	case *btf.Pointer:
		p, err := r.kreadUint(addr, 8)
		if err != nil {
			return lua.LNil
		}
		switch btf.UnderlyingType(x.Target).(type) {
		case *btf.Struct, *btf.Union:
			if p == 0 {
				return lua.LNil
			}
			return r.newKobject(L, p, x.Target)
		}
		return value.Uint(p)
	case *btf.Int, *btf.Enum:
		size, err := btf.Sizeof(x)
		if err != nil || size > 8 {
			return lua.LNil
		}
		if bitSize > 0 {
			// Read the bytes that hold the field and shift it out.
			size = int((bitOff + bitSize + 7) / 8)
		}
		v, err := r.kreadUint(addr, size)
		if err != nil {
			return lua.LNil
		}
		if bitSize > 0 {
			return value.Uint(v >> bitOff & (1<<bitSize - 1))
		}
		if btfvalue.Signed(x) && size < 8 && v&(1<<(size*8-1)) != 0 {
			v |= ^uint64(0) << (size * 8)
		}
		if btfvalue.Signed(x) {
			return value.Int(int64(v))
		}
		return value.Uint(v)
	}
	return lua.LNil
}

func (r *module) kreadUint(addr uint64, size int) (uint64, error) {
	b, err := r.mem.ReadKernel(addr, size)
	if err != nil {
		return 0, err
	}
	var full [8]byte
	copy(full[:], b)
	return binary.LittleEndian.Uint64(full[:]), nil
}

func (r *module) kreadString(addr uint64, n int) (string, error) {
	b, err := r.mem.ReadKernel(addr, n)
	if err != nil {
		return "", err
	}
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		b = b[:i]
	}
	return string(b), nil
}
