package usym

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// startProgram builds src with the given command and runs the result
// until the test ends.
func startProgram(t *testing.T, build func(out string) *exec.Cmd) (*exec.Cmd, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "prog")
	if b, err := build(out).CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	cmd := exec.Command(out)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, out
}

func TestSymbolizeStrippedGo(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	os.WriteFile(src, []byte("package main\n\nimport \"time\"\n\nfunc main() { time.Sleep(time.Minute) }\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module prog\n\ngo 1.21\n"), 0o644)
	cmd, exe := startProgram(t, func(out string) *exec.Cmd {
		c := exec.Command("go", "build", "-ldflags=-s -w", "-o", out, ".")
		c.Dir = dir
		c.Env = append(os.Environ(), "CGO_ENABLED=0")
		return c
	})
	if syms, _ := Funcs(exe); len(syms) != 0 {
		t.Fatalf("the binary is not stripped: %d symbols", len(syms))
	}
	var entry uint64
	for _, s := range goFuncs(exe) {
		if s.Name == "main.main" {
			entry = s.Value
		}
	}
	if entry == 0 {
		t.Fatal("main.main not in .gopclntab")
	}
	f := NewSymbolizer().Resolve(cmd.Process.Pid, entry+4)
	if f.Sym != "main.main" || f.Offset != 4 || f.Module != exe {
		t.Errorf("Resolve = %+v", f)
	}
}

func TestSymbolizeCplusplus(t *testing.T) {
	if _, err := exec.LookPath("g++"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("g++ is needed to test C++ demangling")
		}
		t.Skip("g++ is not installed")
	}
	src := filepath.Join(t.TempDir(), "p.cc")
	os.WriteFile(src, []byte("#include <unistd.h>\nnamespace ns { __attribute__((noinline)) int f(int x) { return x + 1; } }\nint main() { sleep(60); return ns::f(1); }\n"), 0o644)
	cmd, exe := startProgram(t, func(out string) *exec.Cmd { return exec.Command("g++", "-O0", "-no-pie", "-o", out, src) })
	s, err := LookupFunc(exe, "_ZN2ns1fEi")
	if err != nil {
		t.Fatal(err)
	}
	f := NewSymbolizer().Resolve(cmd.Process.Pid, s.Value+1)
	if f.Sym != "ns::f(int)" || f.Offset != 1 {
		t.Errorf("Resolve = %+v", f)
	}
}
