package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAttachErrorsNameTheInput: refusals are one sentence naming the
// input and what to do, never a layer below (cilium/ebpf's "creating
// perf_uprobe PMU", "bad magic number", "rlimit.RemoveMemlock").
func TestAttachErrorsNameTheInput(t *testing.T) {
	requireRoot(t)
	ls, err := filepath.EvalSymlinks("/bin/ls")
	if err != nil {
		t.Fatal(err)
	}
	notELF := filepath.Join(t.TempDir(), "x")
	if err := os.WriteFile(notELF, []byte("root\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ufuncs := bin(t, "ufuncs")
	tests := []struct {
		spec string
		want string
	}{
		{"uprobe:/bin/ls:0x99999", `probe "uprobe:/bin/ls:0x99999": address 0x99999 is not in the code of ` + ls + ` (file size 0x`},
		{"uprobe:" + notELF + ":0x10", notELF + " is not an ELF binary (uprobes need an executable or shared library)"},
		{"uprobe:" + notELF + ":main", notELF + " is not an ELF binary (uprobes need an executable or shared library)"},
		{"uprobe:" + ufuncs + ":lt_add+4096", `offset 4096 is past the end of lt_add (size `},
		{"uprobe:libc:strlen+4", `strlen in `},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			r := luatrace(t, "-e", `probe("`+tc.spec+`", function() end)`)
			if r.code != 2 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q, want one line with %q", r.code, r.stderr, tc.want)
			}
			for _, layer := range []string{"PMU", "perf event", "bad magic", "rlimit", "MEMLOCK", "token "} {
				if strings.Contains(r.stderr, layer) {
					t.Errorf("stderr shows an internal layer (%q): %s", layer, r.stderr)
				}
			}
		})
	}
	// fentry where the kernel refuses it (this machine: lockdown) names the
	// alternatives; where it works, it attaches.
	r := luatrace(t, "-e", `probe("fentry:vfs_read", function() end) exit()`)
	if r.code != 0 && !strings.HasPrefix(r.stderr, "luatrace: -e:1: the kernel refused fentry:vfs_read: ") {
		t.Errorf("fentry: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, layer := range []string{"rlimit", "MEMLOCK", "load program"} {
		if strings.Contains(r.stderr, layer) {
			t.Errorf("fentry: stderr shows an internal layer (%q): %s", layer, r.stderr)
		}
	}
}
