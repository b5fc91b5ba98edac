// Package btfvalue converts between Lua values and bytes laid out as a
// BTF type describes them: numbers for integers, enums and pointers,
// strings for char arrays, tables for structs, unions and other arrays.
package btfvalue

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/cilium/ebpf/btf"
	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/capture"
	"github.com/luatrace/luatrace/luaapi/value"
)

// Decode turns bytes laid out as t into a Lua value: numbers for
// integers, enums and pointers, strings for char arrays, tables for
// structs, unions and other arrays.
func Decode(L *lua.LState, t btf.Type, b []byte) lua.LValue {
	switch x := btf.UnderlyingType(t).(type) {
	case *btf.Int, *btf.Enum, *btf.Pointer:
		size, err := btf.Sizeof(x)
		if err != nil || size > 8 || size > len(b) {
			return lua.LNil
		}
		var full [8]byte
		copy(full[:], b[:size])
		v := binary.LittleEndian.Uint64(full[:])
		if Signed(x) && size < 8 && v&(1<<(size*8-1)) != 0 {
			v |= ^uint64(0) << (size * 8)
		}
		if Signed(x) {
			return value.Int(int64(v))
		}
		return value.Uint(v)
	case *btf.Array:
		size, err := btf.Sizeof(x.Type)
		if err != nil || size == 0 {
			return lua.LNil
		}
		if IsByte(x.Type) {
			s := string(b[:min(int(x.Nelems), len(b))])
			if i := strings.IndexByte(s, 0); i >= 0 {
				s = s[:i]
			}
			return lua.LString(s)
		}
		t := L.NewTable()
		for i := 0; i < int(x.Nelems) && (i+1)*size <= len(b); i++ {
			t.Append(Decode(L, x.Type, b[i*size:(i+1)*size]))
		}
		return t
	case *btf.Struct, *btf.Union:
		members, _ := capture.Members(x)
		t := L.NewTable()
		for _, m := range members {
			if m.Name == "" {
				continue
			}
			off := int(m.Offset / 8)
			if off >= len(b) {
				continue
			}
			v := Decode(L, m.Type, b[off:])
			if m.BitfieldSize > 0 {
				if n, ok := value.ToUint64(v); ok {
					v = value.Uint(n >> (uint32(m.Offset) % 8) & (1<<uint32(m.BitfieldSize) - 1))
				}
			}
			t.RawSetString(m.Name, v)
		}
		return t
	}
	return lua.LString(b)
}

// Encode lays a Lua value out as t: the inverse of Decode. Missing
// struct members are zero.
func Encode(t btf.Type, v lua.LValue, out []byte) error {
	switch x := btf.UnderlyingType(t).(type) {
	case *btf.Int, *btf.Enum, *btf.Pointer:
		size, err := btf.Sizeof(x)
		if err != nil || size > 8 || size > len(out) {
			return fmt.Errorf("cannot store a %s", capture.TypeName(t))
		}
		n, ok := value.ToUint64(v)
		if !ok {
			return fmt.Errorf("%s needs an integer, got %s", capture.TypeName(t), v.Type())
		}
		var full [8]byte
		binary.LittleEndian.PutUint64(full[:], n)
		copy(out[:size], full[:size])
		return nil
	case *btf.Array:
		size, err := btf.Sizeof(x.Type)
		if err != nil || size == 0 {
			return fmt.Errorf("cannot store a %s", capture.TypeName(t))
		}
		if s, ok := v.(lua.LString); ok && IsByte(x.Type) {
			if len(s) > int(x.Nelems) {
				return fmt.Errorf("%q is longer than %s", string(s), capture.TypeName(t))
			}
			copy(out, s)
			return nil
		}
		tbl, ok := v.(*lua.LTable)
		if !ok {
			return fmt.Errorf("%s needs a table", capture.TypeName(t))
		}
		for i := 0; i < int(x.Nelems) && i < tbl.Len(); i++ {
			if err := Encode(x.Type, tbl.RawGetInt(i+1), out[i*size:]); err != nil {
				return err
			}
		}
		return nil
	case *btf.Struct, *btf.Union:
		tbl, ok := v.(*lua.LTable)
		if !ok {
			return fmt.Errorf("%s needs a table of its members", capture.TypeName(t))
		}
		var err error
		tbl.ForEach(func(k, mv lua.LValue) {
			if err != nil {
				return
			}
			m, off, names, found := capture.MemberOf(x, k.String())
			if !found {
				err = fmt.Errorf("%s has no member %q (it has %s)", capture.TypeName(t), k.String(), strings.Join(names, ", "))
				return
			}
			if m.BitfieldSize > 0 {
				err = fmt.Errorf("member %s is a bitfield; storing bitfields is not supported", k.String())
				return
			}
			err = Encode(m.Type, mv, out[off/8:])
		})
		return err
	}
	return fmt.Errorf("cannot store a %s", capture.TypeName(t))
}

// IsByte reports whether t is a one-byte integer (char), whose arrays are
// strings.
func IsByte(t btf.Type) bool {
	i, ok := btf.UnderlyingType(t).(*btf.Int)
	return ok && i.Size == 1
}

// Signed reports whether the integer or enum t is signed.
func Signed(t btf.Type) bool {
	switch x := t.(type) {
	case *btf.Int:
		return x.Encoding&btf.Signed != 0
	case *btf.Enum:
		return x.Signed
	}
	return false
}
