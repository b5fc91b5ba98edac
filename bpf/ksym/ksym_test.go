package ksym

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/luatrace/luatrace/test/testenv"
)

func TestFunctions(t *testing.T) {
	dir := t.TempDir()
	text := "vfs_write\nvfs_read\n__ftrace_invalid_address___64\nnft_do_chain [nf_tables]\nvfs_read\ndo_sys_open\n"
	if err := os.WriteFile(filepath.Join(dir, "available_filter_functions"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	fns, err := Functions(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Function{{"do_sys_open", ""}, {"nft_do_chain", "nf_tables"}, {"vfs_read", ""}, {"vfs_write", ""}}
	if !reflect.DeepEqual(fns, want) {
		t.Fatalf("Functions = %v", fns)
	}
	if got := Match(fns, "vfs_*"); len(got) != 2 || got[0].Name != "vfs_read" {
		t.Errorf("Match(vfs_*) = %v", got)
	}
	tests := []struct{ name, err string }{
		{"vfs_read", ""},
		{"nft_do_chain", ""},
		{"vfs_raed", `no kernel function "vfs_raed" (did you mean vfs_read?)`},
		{"tcp_sendmsg", `no kernel function "tcp_sendmsg" that can be traced`},
	}
	for _, tc := range tests {
		err := Lookup(fns, tc.name)
		if (err == nil) != (tc.err == "") || (err != nil && err.Error() != tc.err && !strings.HasPrefix(err.Error(), tc.err)) {
			t.Errorf("Lookup(%q) = %v, want %q", tc.name, err, tc.err)
		}
	}
}

// Without a readable available_filter_functions, kallsyms text symbols
// stand in; without either the error names the file.
func TestFunctionsFallback(t *testing.T) {
	dir := t.TempDir()
	saved := kallsymsPath
	defer func() { kallsymsPath = saved }()
	kallsymsPath = filepath.Join(dir, "kallsyms")
	os.WriteFile(kallsymsPath, []byte("ffffffff81001000 T vfs_read\nffffffff81002000 D jiffies\nffffffff81003000 t helper\n"), 0o644)
	fns, err := Functions(filepath.Join(dir, "a"))
	if err != nil || !reflect.DeepEqual(fns, []Function{{"helper", ""}, {"vfs_read", ""}}) {
		t.Errorf("fallback: %v, %v", fns, err)
	}
	kallsymsPath = filepath.Join(dir, "missing")
	if _, err := Functions(filepath.Join(dir, "b")); err == nil || !strings.Contains(err.Error(), "cannot list kernel functions from "+filepath.Join(dir, "b")) {
		t.Errorf("missing files: %v", err)
	}
}

func TestKallsyms(t *testing.T) {
	text := "ffffffff81000000 T _stext\nffffffff81001000 T vfs_read\nffffffff81001100 t helper\nffffffffc0a01000 t nft_do_chain\t[nf_tables]\n"
	syms, err := LoadKallsyms(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	tab := NewTable(syms)
	tests := []struct {
		addr   uint64
		name   string
		module string
		off    uint64
		ok     bool
	}{
		{0xffffffff81001000, "vfs_read", "", 0, true},
		{0xffffffff81001010, "vfs_read", "", 0x10, true},
		{0xffffffff81001100, "helper", "", 0, true},
		{0xffffffffc0a01004, "nft_do_chain", "nf_tables", 4, true},
		{0x1000, "", "", 0, false},
	}
	for _, tc := range tests {
		s, off, ok := tab.Resolve(tc.addr)
		if ok != tc.ok || s.Name != tc.name || s.Module != tc.module || off != tc.off {
			t.Errorf("Resolve(%#x) = %+v+%#x %v", tc.addr, s, off, ok)
		}
	}
	if a, ok := tab.Addr("vfs_read"); !ok || a != 0xffffffff81001000 {
		t.Errorf("Addr = %#x %v", a, ok)
	}
	hidden, _ := LoadKallsyms(strings.NewReader("0000000000000000 T _stext\n0000000000000000 T vfs_read\n"))
	if _, _, ok := NewTable(hidden).Resolve(0x10); ok {
		t.Error("resolved against zeroed addresses")
	}
}

func TestRealKallsyms(t *testing.T) {
	testenv.RequireRoot(t)
	f, err := os.Open("/proc/kallsyms")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := LoadKallsyms(f)
	if err != nil {
		t.Fatal(err)
	}
	tab := NewTable(syms)
	addr, ok := tab.Addr("vfs_read")
	if !ok {
		t.Fatal("vfs_read not in /proc/kallsyms")
	}
	if s, off, ok := tab.Resolve(addr + 1); !ok || s.Name != "vfs_read" || off != 1 {
		t.Errorf("Resolve(vfs_read+1) = %+v+%d %v", s, off, ok)
	}
}
