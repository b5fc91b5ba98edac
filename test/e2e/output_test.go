package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestJSONOutput(t *testing.T) {
	script := `printf("n=%d\n", 42)
print("hello", 1)
emit({pid = 7, comm = "sh", big = hex(-1)})`
	r := luatrace(t, "-f", "json", "-e", script).expectOK(t)
	want := `{"type": "printf", "data": "n=42\n"}` + "\n" +
		`{"type": "print", "data": "hello\t1\n"}` + "\n" +
		`{"type": "emit", "data": {"big": "0xffffffffffffffff", "comm": "sh", "pid": 7}}` + "\n"
	if r.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
	}
}

func TestEmitTextAligned(t *testing.T) {
	script := `emit({comm = "a", pid = 1})
emit({comm = "longer", pid = 12345})
emit({comm = "b", pid = 2})`
	r := luatrace(t, "-e", script).expectOK(t)
	lines := r.lines()
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "comm=a") {
		t.Fatalf("stdout:\n%s", r.stdout)
	}
	// Columns line up once a wider value has been seen.
	if strings.Index(lines[1], "pid=") != strings.Index(lines[2], "pid=") {
		t.Errorf("pid column not aligned:\n%s", r.stdout)
	}
}

func TestOutputFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.txt")
	r := luatrace(t, "-o", path, "-e", `printf("to file %s\n", "ok")`).expectOK(t)
	if r.stdout != "" {
		t.Errorf("stdout should be empty, got %q", r.stdout)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "to file ok\n" {
		t.Errorf("file %q %v", b, err)
	}
}

func TestVersion(t *testing.T) {
	r := luatrace(t, "--version").expectOK(t)
	if !strings.HasPrefix(r.stdout, "luatrace ") {
		t.Errorf("--version printed %q", r.stdout)
	}
}
