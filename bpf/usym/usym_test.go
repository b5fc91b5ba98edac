package usym

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cProgram builds a small C binary with known functions.
func cProgram(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("gcc is needed to build the test binary")
		}
		t.Skip("gcc is not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "prog.c")
	code := "int lt_add(int a, int b) { return a + b; }\nint lt_sub(int a, int b) { return a - b; }\nint main(void) { return lt_add(1, 2) - 3; }\n"
	if err := os.WriteFile(src, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "prog")
	if out, err := exec.Command("gcc", "-O0", "-o", exe, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return exe
}

func TestSymbols(t *testing.T) {
	exe := cProgram(t)
	s, err := LookupFunc(exe, "lt_add")
	if err != nil || s.Value == 0 || s.Size == 0 {
		t.Errorf("LookupFunc(lt_add) = %+v, %v", s, err)
	}
	if _, err := LookupFunc(exe, "lt_ad"); err == nil || !strings.Contains(err.Error(), `no function "lt_ad" in `+exe+" (did you mean lt_add?)") {
		t.Errorf("misspelt: %v", err)
	}
	m, err := MatchFuncs(exe, "lt_*")
	if err != nil || len(m) != 2 || m[0].Name != "lt_add" || m[1].Name != "lt_sub" {
		t.Errorf("MatchFuncs = %+v, %v", m, err)
	}
	if IsGoBinary(exe) {
		t.Error("C program taken for Go")
	}
	if self, _ := os.Executable(); !IsGoBinary(self) {
		t.Error("Go test binary not recognised")
	}
	if _, err := LookupFunc(filepath.Join(filepath.Dir(exe), "prog.c"), "main"); err == nil || !strings.Contains(err.Error(), "prog.c is not an ELF binary (uprobes need an executable or shared library)") {
		t.Errorf("non-ELF: %v", err)
	}
}

func TestStrippedBinary(t *testing.T) {
	exe := cProgram(t)
	if out, err := exec.Command("strip", "-s", exe).CombinedOutput(); err != nil {
		t.Skipf("strip: %v %s", err, out)
	}
	if _, err := LookupFunc(exe, "lt_add"); err == nil || !strings.Contains(err.Error(), "0xADDR") {
		t.Errorf("stripped: %v", err)
	}
}

func TestResolveBinary(t *testing.T) {
	sleep := exec.Command("/bin/sleep", "30")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	defer sleep.Wait()
	defer sleep.Process.Kill()

	tests := []struct {
		name   string
		pid    int
		suffix string
		err    string
	}{
		{"libc", 0, "/libc.so.6", ""},
		{"c", 0, "/libc.so.6", ""},
		{"libc.so.6", 0, "/libc.so.6", ""},
		{"libc", sleep.Process.Pid, "/libc.so.6", ""},
		{"sh", 0, "sh", ""},
		{"/bin/sleep", 0, "sleep", ""},
		{"/no/such/binary", 0, "", `cannot use binary "/no/such/binary": no such file`},
		{"/tmp", 0, "", "not a regular file"},
		{"libnosuchthing", 0, "", `no binary or library "libnosuchthing"`},
	}
	for _, tc := range tests {
		got, err := ResolveBinary(tc.name, tc.pid)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ResolveBinary(%q) error %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || !strings.HasSuffix(got, tc.suffix) || !filepath.IsAbs(got) {
			t.Errorf("ResolveBinary(%q, %d) = %q, %v", tc.name, tc.pid, got, err)
		}
	}
}

func TestStrippedMatch(t *testing.T) {
	exe := cProgram(t)
	if out, err := exec.Command("strip", "-s", exe).CombinedOutput(); err != nil {
		t.Skipf("strip: %v %s", err, out)
	}
	if _, err := MatchFuncs(exe, "lt_*"); err == nil || !strings.Contains(err.Error(), "has no symbol table; give an address (uprobe:") {
		t.Errorf("stripped: %v", err)
	}
}
