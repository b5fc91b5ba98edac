package e2e

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// other is the uid that plants files, as another user on the machine.
const other = 65534

// sharedDir makes a folder like /tmp: sticky, writable by everyone.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	return dir
}

// plant writes dir/rel as the other user would have: the file and the
// folders it creates belong to that user.
func plant(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := dir
	parts := strings.Split(rel, "/")
	for _, part := range parts[:len(parts)-1] {
		p = filepath.Join(p, part)
		if err := os.Mkdir(p, 0o755); err != nil && !os.IsExist(err) {
			t.Fatal(err)
		}
		if err := os.Lchown(p, other, other); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(dir, rel)
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(file, other, other); err != nil {
		t.Fatal(err)
	}
}

// TestRequireIgnoresPlantedModules: a script in a shared folder (as /tmp)
// runs as root; modules another user planted next to it, or in a per-arch
// subfolder, are not loaded. Before, require("top") loaded them ahead of
// the built-in module.
func TestRequireIgnoresPlantedModules(t *testing.T) {
	requireRoot(t) // to plant as another user
	dir := sharedDir(t)
	plant(t, dir, "top.lua", `print("PLANTED top") return {}`)
	plant(t, dir, "x86_64/top.lua", `print("PLANTED x86_64/top") return {}`)
	plant(t, dir, "helper.lua", `print("PLANTED helper") return {}`)
	script := filepath.Join(dir, "script.lua")
	if err := os.WriteFile(script, []byte(`print(type(require("top").print))
local ok, err = pcall(require, "helper")
print(ok, err)`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := luatrace(t, script).expectOK(t)
	if strings.Contains(r.stdout, "PLANTED") {
		t.Fatalf("a planted module ran:\n%s", r.stdout)
	}
	want := `module "helper" not found in the library path or the standard library (` +
		filepath.Join(dir, "helper.lua") + " was not loaded: others than root and its owner can write to " + dir + " (mode 1777))"
	if !strings.HasPrefix(r.stdout, "function\nfalse\t"+script+":2: ") || !strings.Contains(r.stdout, want) {
		t.Errorf("stdout:\n%s\nwant the refusal:\n%s", r.stdout, want)
	}
	// --path tells why the folder is not searched.
	r = luatrace(t, "--path", script).expectOK(t)
	if !regexp.MustCompile(regexp.QuoteMeta(dir) + ` +\(script, not searched: others than root and its owner can write to ` + regexp.QuoteMeta(dir) + ` \(mode 1777\)\)`).MatchString(r.stdout) {
		t.Errorf("--path:\n%s", r.stdout)
	}
}

// TestOutputFileRefusesPlantedLink: -o into a shared folder where another
// user planted a symbolic link to a file of root's must not truncate that
// file. Before, it did.
func TestOutputFileRefusesPlantedLink(t *testing.T) {
	requireRoot(t)
	dir := sharedDir(t)
	victim := filepath.Join(filepath.Dir(dir), "victim")
	if err := os.WriteFile(victim, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "trace.out")
	if err := os.Symlink(victim, out); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(out, other, other); err != nil {
		t.Fatal(err)
	}
	r := luatrace(t, "-o", out, "-e", `print("trace")`)
	want := "luatrace: will not write output file " + out + ": it is a symbolic link, which luatrace does not follow for -o; give the real path\n"
	if r.code != 2 || r.stderr != want {
		t.Errorf("exit %d, stderr %q, want %q", r.code, r.stderr, want)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious" {
		t.Errorf("the link's target now holds %q", b)
	}
	// Its own new file in the same folder is fine.
	own := filepath.Join(dir, "own.out")
	luatrace(t, "-o", own, "-e", `print("trace")`).expectOK(t)
	if b, _ := os.ReadFile(own); string(b) != "trace\n" {
		t.Errorf("own output file holds %q", b)
	}
}

// TestMapKeyEscapesProcessName: a thread named "x]: 1\n@fake[y" cannot
// forge a line of a map printout (bpftrace prints it raw).
func TestMapKeyEscapesProcessName(t *testing.T) {
	requireRoot(t)
	script := `local calls = map.count{ key = "comm", name = "calls" }
probe("tracepoint:syscalls:sys_enter_getppid", { into = calls })
probe("BEGIN", function() print("ready") end)
probe("END", function() print(calls) end)`
	cmd, rd, stderr := runUntilReady(t, "-p", strconv.Itoa(os.Getpid()), "-e", script)
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // the name is this thread's; the thread is not reused
		name := append([]byte("x]: 1\n@fake[y"), 0)
		if err := unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(&name[0])), 0, 0, 0); err != nil {
			t.Error(err)
			return
		}
		for range 3 {
			syscall.Getppid()
		}
	}()
	<-done
	cmd.Process.Signal(syscall.SIGINT)
	rest, _ := io.ReadAll(rd)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("luatrace: %v\nstderr:\n%s", err, stderr)
	}
	for _, line := range strings.Split(string(rest), "\n") {
		if strings.HasPrefix(line, "@fake") {
			t.Errorf("a forged line: %q in\n%s", line, rest)
		}
	}
	if !strings.Contains(string(rest), `@calls[x]: 1\n@fake[y]: 3`+"\n") {
		t.Errorf("printout lacks the escaped key:\n%s", rest)
	}
}
