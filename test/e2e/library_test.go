package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestPathListing: --path prints the search order, one folder per line,
// marking missing folders, with the embedded standard library before the
// script's own folder.
func TestPathListing(t *testing.T) {
	have, xdg := t.TempDir(), t.TempDir()
	missing := filepath.Join(have, "nothing-here")
	t.Setenv("LUATRACE_PATH", missing)
	t.Setenv("XDG_CONFIG_HOME", xdg)
	r := luatrace(t, "-I", have, "--path", "/opt/tools/x.lua").expectOK(t)
	var u unix.Utsname
	unix.Uname(&u)
	release, machine := unix.ByteSliceToString(u.Release[:]), unix.ByteSliceToString(u.Machine[:])
	version, _, _ := strings.Cut(release, "-")
	minor := strings.Join(strings.SplitN(version, ".", 3)[:2], ".")
	var want []string
	for _, base := range []string{have, missing, filepath.Join(xdg, "luatrace", "lib"), "/usr/local/share/luatrace/lib", "[embedded]", "/opt/tools"} {
		if base == "[embedded]" {
			want = append(want, base)
			continue
		}
		// Equal neighbours (a release without a local suffix) appear once.
		for _, sub := range slices.Compact([]string{release, version, minor, machine, ""}) {
			want = append(want, filepath.Join(base, sub))
		}
	}
	lines := r.lines()
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), r.stdout)
	}
	for i, l := range lines {
		f := strings.Fields(l)
		if f[0] != want[i] {
			t.Errorf("line %d is %q, want folder %s", i+1, l, want[i])
		}
		_, err := os.Stat(f[0])
		if f[0] != "[embedded]" && (err != nil) != strings.Contains(l, "missing") {
			t.Errorf("line %q: missing mark wrong", l)
		}
		if f[0] == "[embedded]" && (!strings.Contains(l, "standard library") || !strings.Contains(l, "top")) {
			t.Errorf("line %q should list the embedded modules", l)
		}
	}
}

// TestLibraryNextToScript: a script requires a library from its own
// folder; the library's error names the library file and line.
func TestLibraryNextToScript(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, "helper.lua")
	os.WriteFile(lib, []byte("local M = {}\nfunction M.greet(n)\n  if not n then error('greet needs a name', 2) end\n  return 'hello ' .. n\nend\nfunction M.fail() error('helper failed') end\nreturn M\n"), 0o644)
	main := filepath.Join(dir, "main.lua")
	os.WriteFile(main, []byte("local h = require('helper')\nprint(h.greet('lib'))\nh.fail()\n"), 0o644)
	r := luatrace(t, main)
	if r.code != 2 || r.stdout != "hello lib\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, lib+":6: helper failed") {
		t.Errorf("stderr %q does not point at %s:6", r.stderr, lib)
	}
}

// TestDocCommand prints a module's --- documentation: an embedded one, a
// library on the search path that shadows it, and the module list.
func TestDocCommand(t *testing.T) {
	r := luatrace(t, "doc", "flags").expectOK(t)
	for _, want := range []string{"flags  (standard library)\n", "flags.open(v)\n", `flags.open(0x241) is`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doc flags lacks %q:\n%s", want, r.stdout)
		}
	}
	dir := t.TempDir()
	lib := filepath.Join(dir, "flags.lua")
	os.WriteFile(lib, []byte("--- flags: my own.\nlocal M = {}\n--- Does x.\nfunction M.x(a) end\nreturn M\n"), 0o644)
	r = luatrace(t, "-I", dir, "doc", "flags").expectOK(t)
	if want := "flags  (" + lib + ")\n\nflags: my own.\n\nflags.x(a)\n    Does x.\n"; r.stdout != want {
		t.Errorf("doc of a library:\n%q\nwant\n%q", r.stdout, want)
	}
	r = luatrace(t, "doc").expectOK(t)
	if !strings.Contains(r.stdout, "json       encode Lua values") {
		t.Errorf("doc list:\n%s", r.stdout)
	}
	if r := luatrace(t, "doc", "nosuch"); r.code != 2 || !strings.Contains(r.stderr, `no module "nosuch"`) {
		t.Errorf("doc nosuch: %d %q", r.code, r.stderr)
	}
}
