package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestWhodeletesScript: only successful removals of the target are
// reported, by unlink from a process that lives on (path resolved exactly
// through its dirfd) or that exits at once (rm, matched on the working
// directory the kernel captured), and by renames over it.
func TestWhodeletesScript(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "victim")
	touch := func(name string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(cmd string) {
		t.Helper()
		c := exec.Command("sh", "-c", cmd)
		c.Dir = dir
		c.Run() // failures are part of the test; the script must not report them
	}
	touch("victim")
	touch("bystander")
	l := startLive(t, "PID ", script("whodeletes.lua"), target)
	field := func(s string, i int) string {
		if f := strings.Fields(s); len(f) > i {
			return f[i]
		}
		return ""
	}

	run("rm bystander") // another file: not reported
	run("rm victim")    // relative, by a process that exits at once
	line := l.await(t, "rm's unlink", func(s string) bool { return field(s, 1) == "rm" })
	if field(line, 4) != "UNLINK" || field(line, 5) != "victim" || !strings.HasSuffix(line, " rm victim") || field(line, 3) != "sh" {
		t.Errorf("rm line %q: want UNLINK of victim by rm (parent sh, cmdline \"rm victim\")", line)
	}
	run("rm victim") // fails: nothing to delete

	touch("victim")
	d, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(d)
	if err := unix.Unlinkat(d, "victim", 0); err != nil {
		t.Fatal(err)
	}
	line = l.await(t, "this test's unlinkat", func(s string) bool { return field(s, 0) == strconv.Itoa(os.Getpid()) })
	if field(line, 4) != "UNLINK" || field(line, 5) != "victim" || field(line, 6) == "~" || field(line, 2) != strconv.Itoa(os.Getppid()) {
		t.Errorf("unlinkat line %q: want an exact UNLINK of victim with parent %d", line, os.Getppid())
	}

	touch("victim")
	touch("other")
	run("mv other victim")
	line = l.await(t, "mv's rename", func(s string) bool { return field(s, 1) == "mv" })
	if field(line, 4) != "REPLACE" || !strings.Contains(line, "other -> victim") || !strings.HasSuffix(line, " mv other victim") {
		t.Errorf("mv line %q: want REPLACE other -> victim with its command line", line)
	}
	if rest := l.stop(t); len(rest) != 0 {
		t.Errorf("unexpected reports: %q", rest)
	}
}
