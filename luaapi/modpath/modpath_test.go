package modpath

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestDirsOrder(t *testing.T) {
	c := Config{
		Include: []string{"/i1", "/i2"}, EnvPath: "/e1::/e2", ConfigDir: "/home/u/.config",
		ScriptDir: "/s", Release: "6.18.0-foo", Machine: "x86_64",
	}
	var got []string
	for _, d := range c.Dirs() {
		got = append(got, d.Path+" "+d.Origin)
	}
	kernel := func(base, origin string) []string {
		return []string{
			base + "/6.18.0-foo " + origin, base + "/6.18.0 " + origin, base + "/6.18 " + origin,
			base + "/x86_64 " + origin, base + " " + origin,
		}
	}
	want := slices.Concat(kernel("/i1", "-I"), kernel("/i2", "-I"), kernel("/e1", "$LUATRACE_PATH"),
		kernel("/e2", "$LUATRACE_PATH"), kernel("/home/u/.config/luatrace/lib", "user"),
		kernel(SystemDir, "system"), kernel("/s", "script"))
	if !slices.Equal(got, want) {
		t.Errorf("Dirs() =\n%q\nwant\n%q", got, want)
	}
}

func TestKernelSubdirs(t *testing.T) {
	tests := []struct {
		release, machine string
		want             []string
	}{
		{"6.1.0-30-cloud-amd64", "x86_64", []string{"6.1.0-30-cloud-amd64", "6.1.0", "6.1", "x86_64", ""}},
		{"6.18", "aarch64", []string{"6.18", "aarch64", ""}},
		{"", "", []string{""}},
		{"bad/release", "x86_64", []string{"x86_64", ""}},
	}
	for _, tc := range tests {
		got := Config{Release: tc.release, Machine: tc.machine}.kernelSubdirs()
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q %q: %q, want %q", tc.release, tc.machine, got, tc.want)
		}
	}
}

func TestDuplicateDirsKeptOnce(t *testing.T) {
	dirs := Config{Include: []string{"/a", "/a/"}, ScriptDir: "/a"}.Dirs()
	n := 0
	for _, d := range dirs {
		if d.Path == "/a" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("/a listed %d times in %v", n, dirs)
	}
}

func TestFind(t *testing.T) {
	first, second := t.TempDir(), t.TempDir()
	write := func(dir, rel string) string {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("return 1"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write(second, "dup.lua") // shadowed by first
	dup1 := write(first, "dup.lua")
	only2 := write(second, "only.lua")
	nested := write(second, "net/tcp.lua")
	pkg := write(second, "pkg/init.lua")
	os.Mkdir(filepath.Join(first, "dir.lua"), 0o755) // a folder is not a module
	dirs := []Dir{{first, "-I"}, {second, "-I"}}
	tests := []struct{ name, want string }{
		{"dup", dup1}, {"only", only2}, {"net.tcp", nested}, {"pkg", pkg}, {"dir", ""}, {"none", ""},
	}
	for _, tc := range tests {
		got, ok := Find(dirs, tc.name)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("Find(%q) = %q, %v; want %q", tc.name, got, ok, tc.want)
		}
	}
}

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		"net": true, "my_lib.tcp": true, "x-y": true, "": false, "../etc": false, "/etc/passwd": false, "a..b": false, "a.": false,
	} {
		if got := ValidName(name); got != want {
			t.Errorf("ValidName(%q) = %v", name, got)
		}
	}
}
