package usym

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestResolveBuildIDThroughDebugFile: a build-id frame of a file no
// snapshot opened is named from the separate debug file of its build-id
// alone, whose program headers have lost the original's file offsets:
// the test's program (ld.bfd, as gcc links here) and libc from
// libc6-dbg, if installed.
func TestResolveBuildIDThroughDebugFile(t *testing.T) {
	exe := cProgram(t)
	root := t.TempDir()
	f, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	orig, err := OpenImage(f, exe)
	if err != nil || orig.BuildID == "" {
		t.Fatalf("%s: %v (build-id %q)", exe, err, orig.BuildID)
	}
	id := string(orig.BuildID)
	debug := filepath.Join(root, ".build-id", id[:2], id[2:]+".debug")
	if err := os.MkdirAll(filepath.Dir(debug), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("objcopy", "--only-keep-debug", exe, debug).CombinedOutput(); err != nil {
		t.Fatalf("objcopy: %v\n%s", err, out)
	}
	cases := []struct {
		file, fn string
		dirs     []string
	}{
		{exe, "lt_add", []string{root}},
		{exe, "lt_sub", []string{root}},
	}
	const libc = "/lib/x86_64-linux-gnu/libc.so.6"
	if id, _ := ReadBuildID(libc); id != "" {
		if _, err := os.Stat(filepath.Join(DefaultDebugDir, ".build-id", string(id[:2]), string(id[2:])+".debug")); err == nil {
			cases = append(cases, struct {
				file, fn string
				dirs     []string
			}{libc, "qsort_r", nil})
		} else if os.Getenv("CI") == "true" {
			t.Error("libc6-dbg is not installed: the libc case is not run")
		}
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.file)+" "+c.fn, func(t *testing.T) {
			r, err := os.Open(c.file)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			img, err := OpenImage(r, c.file)
			if err != nil {
				t.Fatal(err)
			}
			sym, err := LookupFunc(c.file, c.fn)
			if err != nil {
				t.Fatal(err)
			}
			off, ok := img.FileOffset(sym.Value + 1)
			if !ok {
				t.Fatalf("%s+1 at %#x is in no segment", c.fn, sym.Value)
			}
			store := NewStore(Config{DebugDirs: c.dirs})
			defer store.Close()
			got := store.ResolveBuildID(BuildIDFrame{BuildID: img.BuildID, Offset: off})
			// libc's qsort_r has an alias, __qsort_r.
			if !strings.HasSuffix(got.Sym, c.fn) || got.Offset != 1 || !strings.HasSuffix(got.Module, ".debug") {
				t.Errorf("offset %#x of %s: %s+%d (module %q), want %s+1 from its debug file", off, c.file, got.Sym, got.Offset, got.Module, c.fn)
			}
		})
	}
}
