package event

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
// that lie past the copied bytes are left nil. String pointers (const
// char *) are left out too and returned by name with their C type: their
// value is an address, which the caller makes an error to read.
func decodeTracepoint(L *lua.LState, t *lua.LTable, f *tracefs.Format, data []byte) map[string]string {
	var pointers map[string]string
	for _, fld := range f.Fields {
		if fld.Common {
			continue
		}
		if isCharPointer(fld.Type) {
			if pointers == nil {
				pointers = map[string]string{}
			}
			pointers[fld.Name] = fld.Type
			continue
		}
		if v := decodeField(L, fld, data); v != lua.LNil {
			t.RawSetString(fld.Name, v)
		}
	}
	return pointers
}

// isCharPointer: a format's "const char *" or "char *", not a pointer
// to pointers such as "const char *const *".
func isCharPointer(ctype string) bool {
	base, ok := strings.CutSuffix(strings.TrimSpace(ctype), "*")
	return ok && !strings.Contains(base, "*") && tracefs.IsCharType(strings.TrimSpace(strings.ReplaceAll(base, "__user", "")))
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
	case fld.ArrayLen > 0 && tracefs.IsCharType(fld.Type):
		return lua.LString(cString(raw))
	case fld.ArrayLen > 0:
		elem := fld.Size / fld.ArrayLen
		arr := L.CreateTable(fld.ArrayLen, 0)
		for i := 0; i < fld.ArrayLen; i++ {
			arr.RawSetInt(i+1, decodeInt(raw[i*elem:(i+1)*elem], fld.Signed))
		}
		return arr
	default:
		size, signed := intLayout(fld)
		return decodeInt(raw[:size], signed)
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

// intWidths gives the size and signedness of the C integer types that
// tracepoints declare. Syscall tracepoints store every argument in an
// 8-byte slot whatever its type, so "int dfd" must be read as the low 4
// bytes, sign-extended, for AT_FDCWD to come out as -100 (as bpftrace
// prints it) rather than 4294967196.
var intWidths = map[string]struct {
	size   int
	signed bool
}{
	"char": {1, true}, "signed char": {1, true}, "short": {2, true}, "int": {4, true},
	"long": {8, true}, "long long": {8, true}, "long int": {8, true},
	"s8": {1, true}, "s16": {2, true}, "s32": {4, true}, "s64": {8, true},
	"__s8": {1, true}, "__s16": {2, true}, "__s32": {4, true}, "__s64": {8, true},
	"pid_t": {4, true}, "ssize_t": {8, true}, "loff_t": {8, true}, "off_t": {8, true}, "clockid_t": {4, true},
	"unsigned char": {1, false}, "unsigned short": {2, false}, "unsigned int": {4, false}, "unsigned": {4, false},
	"unsigned long": {8, false}, "unsigned long long": {8, false}, "bool": {1, false},
	"u8": {1, false}, "u16": {2, false}, "u32": {4, false}, "u64": {8, false},
	"__u8": {1, false}, "__u16": {2, false}, "__u32": {4, false}, "__u64": {8, false},
	"size_t": {8, false}, "umode_t": {2, false}, "uid_t": {4, false}, "gid_t": {4, false},
	"qid_t": {4, false}, "key_serial_t": {4, true}, "rwf_t": {4, true}, "aio_context_t": {8, false},
}

// intLayout is how many bytes of a field hold its value, and whether it
// is signed: the declared C type decides where it is known.
func intLayout(fld tracefs.Field) (int, bool) {
	t := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(fld.Type, "const "), "volatile "))
	if strings.HasSuffix(t, "*") {
		return fld.Size, false
	}
	if w, ok := intWidths[t]; ok && w.size <= fld.Size {
		return w.size, w.signed
	}
	return fld.Size, fld.Signed
}

// cString cuts b at its first NUL.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}
