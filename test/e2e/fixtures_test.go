package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/luatrace/luatrace/test/testenv"
)

// TestToolFixtures runs luatrace test over the tools' recorded fixtures
// (scripts/testdata): each tool's current code replays its recording to
// the expected output, without privileges (as nobody when run as root).
func TestToolFixtures(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(), "scripts", "testdata")
	fixtures, _ := filepath.Glob(filepath.Join(dir, "*.ltrec"))
	if len(fixtures) == 0 {
		t.Fatalf("no fixtures in %s", dir)
	}
	args := []string{bin(t, "luatrace"), "test", dir}
	if os.Geteuid() == 0 {
		// nobody cannot reach the build folder: run a copy from a shared one.
		exe := filepath.Join(shared(t, nil), "luatrace")
		copyFile(t, bin(t, "luatrace"), exe, 0o755)
		setpriv := testenv.RequireCommand(t, "setpriv", "util-linux")
		args = []string{setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", exe, "test", dir}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("luatrace test: %v\n%s", err, out)
	}
	want := strconv.Itoa(len(fixtures)) + " of " + strconv.Itoa(len(fixtures)) + " fixtures passed"
	if !strings.Contains(string(out), want) || regexp.MustCompile(`(?m)^FAIL`).Match(out) {
		t.Errorf("luatrace test:\n%s\nwant %q", out, want)
	}
}

// TestFixtureMismatchFails: luatrace test fails, naming the line, when a
// fixture's output no longer matches.
func TestFixtureMismatchFails(t *testing.T) {
	build(t)
	src := filepath.Join(testenv.RepoRoot(), "scripts", "testdata", "opensnoop")
	dir := t.TempDir()
	copyFile(t, src+".ltrec", filepath.Join(dir, "opensnoop.ltrec"), 0o644)
	want, err := os.ReadFile(src + ".out")
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(want), "hostname", "hostnames", 1)
	if err := os.WriteFile(filepath.Join(dir, "opensnoop.out"), []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	r := luatrace(t, "test", dir)
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL "+filepath.Join(dir, "opensnoop.ltrec")) || !strings.Contains(r.stdout, "hostnames") {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}
