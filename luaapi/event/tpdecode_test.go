package event

import (
	"encoding/binary"
	"testing"

	"github.com/cilium/ebpf/btf"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/tracefs"
)

const testFormat = `name: test_event
ID: 1
format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:int dfd;	offset:8;	size:8;	signed:0;
	field:const char * filename;	offset:16;	size:8;	signed:0;
	field:umode_t mode;	offset:24;	size:8;	signed:0;
	field:__data_loc char[] name;	offset:32;	size:4;	signed:1;
	field:char comm[8];	offset:36;	size:8;	signed:0;
	field:u16 ports[2];	offset:44;	size:4;	signed:0;
	field:s8 delta;	offset:48;	size:1;	signed:1;
	field:unsigned long addr;	offset:56;	size:8;	signed:0;
`

// testRecord lays out one record as the kernel would for testFormat.
func testRecord() []byte {
	b := make([]byte, 72)
	le := binary.LittleEndian
	le.PutUint64(b[8:], 0xffffff9c) // AT_FDCWD in an 8-byte syscall slot
	le.PutUint64(b[16:], 0x7ffd12345678)
	le.PutUint64(b[24:], 0x1a4)
	le.PutUint32(b[32:], 6<<16|64) // "hello\0" at offset 64
	copy(b[36:], "bash\x00xyz")
	le.PutUint16(b[44:], 80)
	le.PutUint16(b[46:], 443)
	b[48] = 0xfe
	le.PutUint64(b[56:], 0xffffffff81000000)
	copy(b[64:], "hello\x00")
	return b
}

func TestDecodeTracepoint(t *testing.T) {
	f, err := tracefs.ParseFormat(testFormat)
	if err != nil {
		t.Fatal(err)
	}
	L := lua.NewState()
	defer L.Close()
	tbl := L.NewTable()
	pointers := decodeTracepoint(L, tbl, f, testRecord())
	if len(pointers) != 1 || pointers["filename"] != "const char *" {
		t.Errorf("string pointers %v, want filename's", pointers)
	}
	tests := []struct {
		field string
		want  lua.LValue
	}{
		{"common_type", lua.LNil}, // left out, as bpftrace does
		{"dfd", lua.LNumber(-100)},
		{"filename", lua.LNil}, // a string pointer: reading it is an error (event.go)
		{"mode", lua.LNumber(0o644)},
		{"name", lua.LString("hello")},
		{"comm", lua.LString("bash")},
		{"delta", lua.LNumber(-2)},
		{"addr", lua.LString("0xffffffff81000000")},
	}
	for _, tc := range tests {
		if got := tbl.RawGetString(tc.field); got != tc.want {
			t.Errorf("%s = %#v, want %#v", tc.field, got, tc.want)
		}
	}
	ports, ok := tbl.RawGetString("ports").(*lua.LTable)
	if !ok || ports.RawGetInt(1) != lua.LNumber(80) || ports.RawGetInt(2) != lua.LNumber(443) {
		t.Errorf("ports = %v", tbl.RawGetString("ports"))
	}
}

// A record cut short (tracepoint data beyond the copied bytes) leaves the
// missing fields nil instead of reading out of bounds.
func TestDecodeTruncatedRecord(t *testing.T) {
	f, err := tracefs.ParseFormat(testFormat)
	if err != nil {
		t.Fatal(err)
	}
	L := lua.NewState()
	defer L.Close()
	rec := testRecord()[:40]
	binary.LittleEndian.PutUint32(rec[32:], 200<<16|30) // length past the end
	tbl := L.NewTable()
	decodeTracepoint(L, tbl, f, rec)
	if tbl.RawGetString("dfd") != lua.LNumber(-100) || tbl.RawGetString("addr") != lua.LNil || tbl.RawGetString("comm") != lua.LNil {
		t.Errorf("dfd=%v addr=%v comm=%v", tbl.RawGetString("dfd"), tbl.RawGetString("addr"), tbl.RawGetString("comm"))
	}
	if s, ok := tbl.RawGetString("name").(lua.LString); !ok || len(s) > 10 {
		t.Errorf("name = %#v", tbl.RawGetString("name"))
	}
}

// String pointers are told apart from buffers, numbers and pointers to
// pointers, in format files and in BTF.
func TestStringPointers(t *testing.T) {
	formats := []struct {
		ctype string
		want  bool
	}{
		{"const char *", true},
		{"char *", true},
		{"const unsigned char *", true},
		{"const char __user *", true},
		{"const char *const *", false},
		{"char[16]", false},
		{"void *", false},
		{"u8 *", false},
		{"unsigned long", false},
	}
	for _, tc := range formats {
		if got := isCharPointer(tc.ctype); got != tc.want {
			t.Errorf("isCharPointer(%q) = %v, want %v", tc.ctype, got, tc.want)
		}
	}
	char := &btf.Int{Name: "char", Size: 1}
	u8 := &btf.Typedef{Name: "u8", Type: &btf.Int{Name: "unsigned char", Size: 1}}
	params := []struct {
		typ  btf.Type
		want string // "" when not a string pointer
	}{
		{&btf.Pointer{Target: &btf.Const{Type: char}}, "const char *"},
		{&btf.Pointer{Target: char}, "char *"},
		{&btf.Typedef{Name: "string_t", Type: &btf.Pointer{Target: char}}, "char *"},
		{&btf.Pointer{Target: u8}, ""},
		{&btf.Pointer{Target: &btf.Pointer{Target: char}}, ""},
		{char, ""},
	}
	for _, tc := range params {
		got := isStringPointer(tc.typ)
		if got != (tc.want != "") || got && btfTypeName(tc.typ) != tc.want {
			t.Errorf("%v: string pointer %v, want %q", tc.typ, got, tc.want)
		}
	}
}
