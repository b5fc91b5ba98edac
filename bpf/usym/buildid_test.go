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
			store.TrackSymbols()
			fr := BuildIDFrame{BuildID: img.BuildID, Offset: off}
			got := store.ResolveBuildID(fr)
			// libc's qsort_r has an alias, __qsort_r.
			if !strings.HasSuffix(got.Sym, c.fn) || got.Offset != 1 || !strings.HasSuffix(got.Module, ".debug") {
				t.Errorf("offset %#x of %s: %s+%d (module %q), want %s+1 from its debug file", off, c.file, got.Sym, got.Offset, got.Module, c.fn)
			}

			// A recording of the lookup names the frame alike where the
			// debug file is gone: its segments are the original's.
			replay := NewStore(Config{DebugDirs: []string{t.TempDir()}})
			defer replay.Close()
			replay.UseRecordedProcesses()
			for _, o := range store.TakeSymbols() {
				o.Path = filepath.Join(t.TempDir(), "gone.debug")
				replay.AddRecordedSymbols(o)
			}
			if again := replay.ResolveBuildID(fr); again.Sym != got.Sym || again.Offset != got.Offset {
				t.Errorf("replayed offset %#x of %s: %s+%d, want %s+%d as recorded", off, c.file, again.Sym, again.Offset, got.Sym, got.Offset)
			}
		})
	}
}

// TestResolveBuildIDOfRunningProcess: a build-id frame of a running
// process no snapshot has seen yet is named through the snapshot the
// lookup takes, on the first lookup (not only on a later one).
func TestResolveBuildIDOfRunningProcess(t *testing.T) {
	exe := cProgram(t)
	sleeper := exe + "-sleeps"
	src := filepath.Join(filepath.Dir(exe), "sleeps.c")
	code := "#include <unistd.h>\nint lt_wait(void) { return pause(); }\nint main(void) { return lt_wait(); }\n"
	if err := os.WriteFile(src, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("gcc", "-O0", "-o", sleeper, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	cmd := exec.Command(sleeper)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	r, err := os.Open(sleeper)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	img, err := OpenImage(r, sleeper)
	if err != nil || img.BuildID == "" {
		t.Fatalf("%s: %v (build-id %q)", sleeper, err, img.BuildID)
	}
	sym, err := LookupFunc(sleeper, "lt_wait")
	if err != nil {
		t.Fatal(err)
	}
	off, ok := img.FileOffset(sym.Value + 1)
	if !ok {
		t.Fatalf("lt_wait+1 at %#x is in no segment", sym.Value)
	}
	store := NewStore(Config{})
	defer store.Close()
	if got := store.ResolveBuildIDOf(cmd.Process.Pid, BuildIDFrame{BuildID: img.BuildID, Offset: off}); got.Sym != "lt_wait" || got.Offset != 1 {
		t.Errorf("first lookup: %s+%d (module %q), want lt_wait+1", got.Sym, got.Offset, got.Module)
	}
}
