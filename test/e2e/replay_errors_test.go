package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luatrace/luatrace/test/testenv"
)

// TestReplayScripts replays a committed fixture (opensnoop's, no root
// needed) with scripts other than the recorded one: what the recording
// has binds, what it lacks is one clear error naming it.
func TestReplayScripts(t *testing.T) {
	build(t) // before the first run's deadline starts
	fixture := filepath.Join(testenv.RepoRoot(), "scripts", "testdata", "opensnoop.ltrec")
	dir := t.TempDir()
	tests := []struct {
		name, script string
		code         int
		want         string // in stdout (status 0) or stderr
	}{
		{"wildcard over two recorded probes", `local by = {}
probe("tracepoint:syscalls:sys_*_openat", function(e) by[e.probe] = (by[e.probe] or 0) + 1 end)
probe("END", function() for _, p in ipairs({"enter", "exit"}) do print(p, by["tracepoint:syscalls:sys_" .. p .. "_openat"]) end end)`, 0,
			"enter\t5\nexit\t5\n"},
		{"field under another name, args and a rebuilt map", `local by = map.count{ key = "str(args.filename)" }
probe("tracepoint:syscalls:sys_enter_openat", { fields = { file = "str(args.filename)" }, into = by }, function(e)
  if e.file ~= "/etc/hostname" then return end
  printf("%s %d %s\n", e.comm, e.args.flags, tostring(e.ts > 0))
end)
probe("END", function() printf("count %d\n", by:get("/etc/hostname")) by:clear() end)`, 0, "openat 524288 true\nopenat 524288 true\nopenat 524288 true\ncount 3\n"},
		{"probe not recorded", `probe("tracepoint:sched:sched_switch", function() end)`, 2, `probe "tracepoint:sched:sched_switch" was not recorded in`},
		{"field not recorded", `probe("tracepoint:syscalls:sys_enter_openat", { fields = { m = "args.mode" } }, function() end)`, 2, `"args.mode" was not captured by tracepoint:syscalls:sys_enter_openat in the recording`},
		{"other filter", `probe("tracepoint:syscalls:sys_enter_openat", { filter = "pid == 1" }, function() end)`, 2, "a replay has no kernel to filter in"},
	}
	for _, tc := range tests {
		script := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".lua")
		if err := os.WriteFile(script, []byte(tc.script), 0o644); err != nil {
			t.Fatal(err)
		}
		r := luatrace(t, "replay", fixture, script)
		got := r.stdout
		if tc.code != 0 {
			got = r.stderr
		}
		if r.code != tc.code || !strings.Contains(got, tc.want) {
			t.Errorf("%s: exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", tc.name, r.code, tc.code, tc.want, r.stdout, r.stderr)
		}
	}
}

// TestReplayBadFiles: files that are not (whole) recordings are refused
// with one sentence, or replayed as far as they are intact.
func TestReplayBadFiles(t *testing.T) {
	build(t)
	fixture, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "scripts", "testdata", "opensnoop.ltrec"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	corrupt := append([]byte(nil), fixture...)
	corrupt[len(corrupt)/2] ^= 0xff
	tests := []struct {
		name string
		file string
		code int
		want string
	}{
		{"missing", filepath.Join(dir, "nothing.ltrec"), 2, "luatrace: cannot replay " + filepath.Join(dir, "nothing.ltrec") + ": there is no such file (nor rotated " + filepath.Join(dir, "nothing.ltrec") + ".N files); check the path\n"},
		{"directory", dir, 2, "luatrace: cannot replay " + dir + ": it is a directory; give a file luatrace record wrote\n"},
		{"not a recording", write("text.ltrec", []byte("hello, this is not a recording at all\n")), 2, "luatrace: cannot replay " + filepath.Join(dir, "text.ltrec") + ": not a luatrace recording (bad magic)\n"},
		{"empty", write("empty.ltrec", nil), 2, "luatrace: cannot replay " + filepath.Join(dir, "empty.ltrec") + ": not a luatrace recording (shorter than its file header)\n"},
		{"cut short", write("cut.ltrec", fixture[:len(fixture)-7]), 0, "was cut short"},
		{"damaged", write("damaged.ltrec", corrupt), 2, "(checksum mismatch), before its script"},
	}
	for _, tc := range tests {
		r := luatrace(t, "replay", tc.file)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) || strings.Contains(r.stderr, "goroutine") {
			t.Errorf("%s: exit %d, want %d with %q\nstderr:\n%s", tc.name, r.code, tc.code, tc.want, r.stderr)
		}
	}
}
