package tracefs

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const openatFormat = `name: sys_enter_openat
ID: 635
format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:unsigned char common_flags;	offset:2;	size:1;	signed:0;
	field:unsigned char common_preempt_count;	offset:3;	size:1;	signed:0;
	field:int common_pid;	offset:4;	size:4;	signed:1;

	field:int __syscall_nr;	offset:8;	size:4;	signed:1;
	field:int dfd;	offset:16;	size:8;	signed:0;
	field:const char * filename;	offset:24;	size:8;	signed:0;
	field:int flags;	offset:32;	size:8;	signed:0;
	field:umode_t mode;	offset:40;	size:8;	signed:0;

print fmt: "dfd: 0x%08lx, filename: 0x%08lx", ((unsigned long)(REC->dfd)), ((unsigned long)(REC->filename))
`

const execFormat = `name: sched_process_exec
ID: 312
format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:__data_loc char[] filename;	offset:8;	size:4;	signed:1;
	field:pid_t pid;	offset:12;	size:4;	signed:1;
	field:char comm[16];	offset:16;	size:16;	signed:0;
	field:unsigned long args[6];	offset:32;	size:48;	signed:0;
	field:u8 data[];	offset:80;	size:0;	signed:0;
`

func TestParseFormat(t *testing.T) {
	tests := []struct {
		text, name string
		id         int
		fields     []Field
	}{
		{openatFormat, "sys_enter_openat", 635, []Field{
			{Name: "common_type", Type: "unsigned short", Offset: 0, Size: 2, Common: true},
			{Name: "common_flags", Type: "unsigned char", Offset: 2, Size: 1, Common: true},
			{Name: "common_preempt_count", Type: "unsigned char", Offset: 3, Size: 1, Common: true},
			{Name: "common_pid", Type: "int", Offset: 4, Size: 4, Signed: true, Common: true},
			{Name: "__syscall_nr", Type: "int", Offset: 8, Size: 4, Signed: true},
			{Name: "dfd", Type: "int", Offset: 16, Size: 8},
			{Name: "filename", Type: "const char *", Offset: 24, Size: 8},
			{Name: "flags", Type: "int", Offset: 32, Size: 8},
			{Name: "mode", Type: "umode_t", Offset: 40, Size: 8},
		}},
		{execFormat, "sched_process_exec", 312, []Field{
			{Name: "common_type", Type: "unsigned short", Offset: 0, Size: 2, Common: true},
			{Name: "filename", Type: "char[]", Offset: 8, Size: 4, Signed: true, DataLoc: true},
			{Name: "pid", Type: "pid_t", Offset: 12, Size: 4, Signed: true},
			{Name: "comm", Type: "char", Offset: 16, Size: 16, ArrayLen: 16},
			{Name: "args", Type: "unsigned long", Offset: 32, Size: 48, ArrayLen: 6},
			{Name: "data", Type: "u8", Offset: 80, Size: 0},
		}},
	}
	for _, tc := range tests {
		f, err := ParseFormat(tc.text)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name != tc.name || f.ID != tc.id {
			t.Errorf("name %q id %d", f.Name, f.ID)
		}
		if !reflect.DeepEqual(f.Fields, tc.fields) {
			t.Errorf("%s fields:\n got %+v\nwant %+v", tc.name, f.Fields, tc.fields)
		}
		if fld, ok := f.Field("pid"); tc.name == "sched_process_exec" && (!ok || fld.Offset != 12) {
			t.Errorf("Field(pid) = %+v, %v", fld, ok)
		}
		back, err := ParseFormat(f.Text())
		if err != nil || back.Name != f.Name || back.ID != f.ID || !reflect.DeepEqual(back.Fields, f.Fields) {
			t.Errorf("%s: Text does not parse back (%v):\n%s", tc.name, err, f.Text())
		}
	}
}

func TestParseFormatErrors(t *testing.T) {
	for _, text := range []string{"", "name: x\n", "field:int x;\toffset:zz;\tsize:4;",
		// Layouts no kernel writes, which decoders must not trust.
		"field:int x;\toffset:8;\tsize:-4;", "field:int x;\toffset:9223372036854775807;\tsize:4;",
		"field:u16 x[100000000];\toffset:8;\tsize:4;"} {
		if _, err := ParseFormat(text); err == nil {
			t.Errorf("ParseFormat(%q) succeeded", text)
		}
	}
}

// The formats in testdata, copied from a 6.18 kernel, parse.
func TestParseKernelFormats(t *testing.T) {
	files, err := filepath.Glob("testdata/formats/*.format")
	if err != nil || len(files) == 0 {
		t.Fatalf("no formats in testdata: %v", err)
	}
	for _, file := range files {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		f, err := ParseFormat(string(text))
		if err != nil || strings.TrimSuffix(filepath.Base(file), ".format") != f.Name || len(f.Fields) < 5 {
			t.Errorf("%s: %+v, %v", file, f, err)
		}
	}
}
