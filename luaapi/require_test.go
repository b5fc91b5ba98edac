package luaapi

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// writeLib creates dir/rel with code and returns its path.
func writeLib(t *testing.T, dir, rel, code string) string {
	t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// runCode runs code as a script named script.lua and returns its output,
// stderr and status.
func runCode(t *testing.T, opts Options, code string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	opts.Out, opts.Stderr = &out, &errb
	if opts.ScriptName == "" {
		opts.ScriptName = "script.lua"
	}
	status, err := New(opts).RunScript(opts.ScriptName, code)
	if err != nil {
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), status
}

func kernelRelease(t *testing.T) string {
	t.Helper()
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		t.Fatal(err)
	}
	return unix.ByteSliceToString(u.Release[:])
}

// TestRequirePrecedence puts a module of the same name in several folders
// of the search path; the earliest folder wins.
func TestRequirePrecedence(t *testing.T) {
	inc1, inc2, env, xdg, script := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	t.Setenv("LUATRACE_PATH", env)
	t.Setenv("XDG_CONFIG_HOME", xdg)
	user := filepath.Join(xdg, "luatrace", "lib")
	lib := func(dir, module, who string) { writeLib(t, dir, module+".lua", "return '"+who+"'") }
	// Folder i holds m1..m(i+1), so module m(i+1) is first found in folder i.
	for i, d := range []struct{ dir, who string }{{inc1, "inc1"}, {inc2, "inc2"}, {env, "env"}, {user, "user"}, {script, "script"}} {
		for m := 1; m <= i+1; m++ {
			lib(d.dir, "m"+string(rune('0'+m)), d.who)
		}
	}
	// A per-kernel subfolder beats its own folder.
	lib(filepath.Join(env, kernelRelease(t)), "m3", "env-release")
	// The embedded standard library comes after the library folders (an
	// -I top.lua wins) but before the script's folder (its top.lua does
	// not: a file next to a script never shadows a standard module).
	lib(script, "top", "script-top")
	lib(inc2, "fmt", "inc2-fmt")
	out, errs, status := runCode(t, Options{Include: []string{inc1, inc2}, ScriptDir: script},
		`for _, m in ipairs{"m1", "m2", "m3", "m4", "m5", "fmt"} do print(m, require(m)) end
print("top", type(require("top")))`)
	want := "m1\tinc1\nm2\tinc2\nm3\tenv-release\nm4\tuser\nm5\tscript\nfmt\tinc2-fmt\ntop\ttable\n"
	if status != 0 || out != want {
		t.Errorf("status %d, output:\n%s\nwant:\n%s\nstderr: %s", status, out, want, errs)
	}
}

// TestRequireKernelSubfolders: the most specific per-kernel subfolder wins.
func TestRequireKernelSubfolders(t *testing.T) {
	dir := t.TempDir()
	release := kernelRelease(t)
	version, _, _ := strings.Cut(release, "-")
	for _, sub := range []string{"", "x86_64", version} {
		writeLib(t, filepath.Join(dir, sub), "k.lua", "return '"+sub+"'")
	}
	out, errs, _ := runCode(t, Options{Include: []string{dir}}, `print(require("k"))`)
	if out != version+"\n" {
		t.Errorf("got %q, want the %s subfolder; stderr %s", out, version, errs)
	}
}

// TestRequireErrorLocations: errors in a library name its file and line.
func TestRequireErrorLocations(t *testing.T) {
	dir := t.TempDir()
	rt := writeLib(t, dir, "bad/runtime.lua", "local M = {}\nfunction M.f()\n  local x = nil\n  return x.y\nend\nreturn M\n")
	syn := writeLib(t, dir, "bad/syntax.lua", "local M = {}\nM.x = = 1\nreturn M\n")
	top := writeLib(t, dir, "bad/top.lua", "\n\nerror('library refuses')\n")
	tests := []struct {
		name, code string
		want       []string
	}{
		{"runtime error in a library function", `require("bad.runtime").f()`, []string{rt + ":4:", "attempt to index"}},
		{"syntax error", `require("bad.syntax")`, []string{syn + ":2:", "syntax error"}},
		{"error while loading", `require("bad.top")`, []string{top + ":3: library refuses"}},
		{"missing module", `require("no_such_lib")`, []string{`module "no_such_lib" not found`, "luatrace --path", "-I DIR"}},
		{"path as name", `require("../etc/passwd")`, []string{"not a path"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errs, status := runCode(t, Options{Include: []string{dir}}, tc.code)
			if status != 2 || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
				t.Errorf("status %d, want 2 and one line; stderr:\n%s", status, errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr %q lacks %q", errs, w)
				}
			}
		})
	}
}

// TestCallbackTracebackNamesLibrary: a callback error raised inside a
// library shows the library's file and line in the traceback.
func TestCallbackTracebackNamesLibrary(t *testing.T) {
	dir := t.TempDir()
	lib := writeLib(t, dir, "cb.lua", "local M = {}\nfunction M.boom()\n  error('boom')\nend\nreturn M\n")
	_, errs, _ := runCode(t, Options{Include: []string{dir}}, `local cb = require("cb"); probe("END", function() cb.boom() end)`)
	if !strings.Contains(errs, lib+":3: boom") {
		t.Errorf("stderr lacks %s:3:\n%s", lib, errs)
	}
}

// TestRequireSkipsSharedFolders: a module in a folder others can write to
// (a script in /tmp) is not loaded; the error names the file and why.
func TestRequireSkipsSharedFolders(t *testing.T) {
	shared := t.TempDir()
	if err := os.Chmod(shared, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	planted := writeLib(t, shared, "mylib.lua", "return 'planted'")
	writeLib(t, shared, "x86_64/top.lua", "return 'planted'")
	if err := os.Chmod(filepath.Join(shared, "x86_64"), 0o777); err != nil {
		t.Fatal(err)
	}
	_, errs, status := runCode(t, Options{ScriptDir: shared}, `print(type(require("top"))) print(require("mylib"))`)
	want := planted + " was not loaded: others than root and its owner can write to " + shared + " (mode 1777)"
	if status != 2 || !strings.Contains(errs, `module "mylib" not found`) || !strings.Contains(errs, want) {
		t.Errorf("status %d, stderr:\n%s\nwant the refusal %q", status, errs, want)
	}
	out, errs, status := runCode(t, Options{Include: []string{shared}}, `print(type(require("top")))`)
	sub := filepath.Join(shared, "x86_64")
	if status != 0 || out != "table\n" || !strings.Contains(errs, "warning: require(\"top\"): "+filepath.Join(sub, "top.lua")+" was not loaded: others than root and its owner can write to "+sub+" (mode 0777)") {
		t.Errorf("-I shared folder: status %d, output %q, stderr:\n%s", status, out, errs)
	}
}
