package modpath

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/luatrace/luatrace/test/testenv"
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

func TestSearch(t *testing.T) {
	first, second, script, unsafe := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
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
	late := write(script, "late.lua")
	write(script, "dup.lua") // after the standard library: never before first
	planted := write(unsafe, "planted.lua")
	writable := write(second, "writable.lua")
	os.Chmod(writable, 0o666)
	dirs := []Dir{{Path: unsafe, Origin: "-I", Unsafe: "others can write to it"}, {Path: first, Origin: "-I"}, {Path: second, Origin: "-I"},
		{Path: script, Origin: "script", AfterStdlib: true}}
	tests := []struct {
		name        string
		afterStdlib bool
		want        string
		refused     []string
	}{
		{"dup", false, dup1, nil},
		{"only", false, only2, nil},
		{"net.tcp", false, nested, nil},
		{"pkg", false, pkg, nil},
		{"dir", false, "", nil},
		{"none", false, "", nil},
		{"late", false, "", nil},
		{"late", true, late, nil},
		{"planted", false, "", []string{planted + " was not loaded: others can write to it"}},
		{"writable", false, "", []string{writable + " was not loaded: others than root and its owner can write to " + writable + " (mode 0666)"}},
	}
	for _, tc := range tests {
		got, refused := Search(dirs, tc.name, tc.afterStdlib)
		if got != tc.want || !slices.Equal(refused, tc.refused) {
			t.Errorf("Search(%q, after=%v) = %q, %q; want %q, %q", tc.name, tc.afterStdlib, got, refused, tc.want, tc.refused)
		}
	}
}

// TestUnsafe: folders others could plant modules in are refused, with the
// reason; folders only root and trusted users write to are searched.
func TestUnsafe(t *testing.T) {
	testenv.RequireRoot(t) // to give folders to another user
	const other = 65534
	base := t.TempDir()
	mk := func(rel string, mode os.FileMode, uid int) string {
		t.Helper()
		p := filepath.Join(base, rel)
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, uid, 0); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ok := mk("ok", 0o755, 0)
	group := mk("group", 0o775, 0)
	shared := mk("shared", 0o777|os.ModeSticky, 0)
	mine := mk("shared/mine", 0o755, 0)
	theirs := mk("shared/theirs", 0o755, other)
	theirsSub := mk("shared/theirs/sub", 0o755, 0)
	open := mk("open", 0o777, 0)
	inOpen := mk("open/lib", 0o755, 0)
	link := filepath.Join(base, "link")
	if err := os.Symlink(shared, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		dir     string
		trusted []uint32
		want    string
	}{
		{ok, nil, ""},
		{filepath.Join(ok, "missing"), nil, ""},
		{group, nil, "others than root and its owner can write to " + group + " (mode 0775)"},
		{shared, nil, "others than root and its owner can write to " + shared + " (mode 1777)"},
		{link, nil, "others than root and its owner can write to " + shared + " (mode 1777)"},
		{mine, nil, ""},
		{theirs, nil, theirs + " belongs to uid 65534, who could plant modules in it"},
		{theirs, []uint32{other}, ""},
		{theirsSub, nil, theirs + " belongs to uid 65534, who could replace " + theirsSub},
		{inOpen, nil, "others than root and its owner can write to " + open + " (mode 0777) and so replace " + inOpen},
	}
	for _, tc := range tests {
		if got := Unsafe(tc.dir, tc.trusted); got != tc.want {
			t.Errorf("Unsafe(%s, %v) = %q, want %q", tc.dir, tc.trusted, got, tc.want)
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
