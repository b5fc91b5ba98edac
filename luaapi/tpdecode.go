package luaapi

import (
	"bytes"
	"encoding/binary"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/tracefs"
	"github.com/luatrace/luatrace/luaapi/value"
)

// decodeTracepoint fills t with a tracepoint record's fields as the format
// file describes them. common_* fields are left out, as in bpftrace; fields
// that lie past the copied bytes are left nil.
func decodeTracepoint(L *lua.LState, t *lua.LTable, f *tracefs.Format, data []byte) {
	for _, fld := range f.Fields {
		if fld.Common {
			continue
		}
		if v := decodeField(L, fld, data); v != lua.LNil {
			t.RawSetString(fld.Name, v)
		}
	}
}

func decodeField(L *lua.LState, fld tracefs.Field, data []byte) lua.LValue {
	end := fld.Offset + fld.Size
	if fld.Offset < 0 || end > len(data) {
		return lua.LNil
	}
	raw := data[fld.Offset:end]
	switch {
	case fld.DataLoc:
		// __data_loc: low 16 bits offset from the record start, high 16 length.
		if len(raw) < 4 {
			return lua.LNil
		}
		loc := binary.LittleEndian.Uint32(raw)
		off, n := int(loc&0xffff), int(loc>>16)
		if off+n > len(data) {
			n = max(0, len(data)-off)
		}
		if off > len(data) {
			return lua.LNil
		}
		return lua.LString(cString(data[off : off+n]))
	case fld.ArrayLen > 0 && isCharType(fld.Type):
		return lua.LString(cString(raw))
	case fld.ArrayLen > 0:
		elem := fld.Size / fld.ArrayLen
		arr := L.CreateTable(fld.ArrayLen, 0)
		for i := 0; i < fld.ArrayLen; i++ {
			arr.RawSetInt(i+1, decodeInt(raw[i*elem:(i+1)*elem], fld.Signed))
		}
		return arr
	default:
		return decodeInt(raw, fld.Signed)
	}
}

func decodeInt(b []byte, signed bool) lua.LValue {
	le := binary.LittleEndian
	switch len(b) {
	case 1:
		if signed {
			return value.Int(int64(int8(b[0])))
		}
		return value.Uint(uint64(b[0]))
	case 2:
		if signed {
			return value.Int(int64(int16(le.Uint16(b))))
		}
		return value.Uint(uint64(le.Uint16(b)))
	case 4:
		if signed {
			return value.Int(int64(int32(le.Uint32(b))))
		}
		return value.Uint(uint64(le.Uint32(b)))
	case 8:
		if signed {
			return value.Int(int64(le.Uint64(b)))
		}
		return value.Uint(le.Uint64(b))
	}
	return lua.LNil
}

func isCharType(t string) bool {
	return strings.HasPrefix(t, "char ") || strings.HasPrefix(t, "const char ") || strings.HasPrefix(t, "unsigned char ")
}

// cString cuts b at its first NUL.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}
