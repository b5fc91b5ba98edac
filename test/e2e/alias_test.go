package e2e

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luatrace/luatrace/test/testenv"
)

// readAlias is a library alias over read(2) whose first candidates cannot
// attach here (no fentry, no kprobes): the tracepoint must serve, with
// the same published field name on every candidate.
const readAlias = `alias("fs:read", {
  doc = "a read(2) of count bytes",
  try = {
    { "fentry:vfs_read", fields = { count = "arg2" } },
    { "kprobe:vfs_read", fields = { count = "arg2" } },
    { "tracepoint:syscalls:sys_enter_read", fields = { count = "args.count" } },
  },
})
`

// TestAliasFallsBack: the tracepoint candidate wins, delivers the workload's
// reads with the published field, and the script's filter on that field
// runs in the kernel; -v names the winner and why the others failed.
func TestAliasFallsBack(t *testing.T) {
	requireRoot(t)
	script := readAlias + `local n, sizes = 0, {}
probe("fs:read", { filter = "count == 777" }, function(e) n = n + 1; sizes[e.count] = true end)
probe("END", function() local s = {} for k in pairs(sizes) do s[#s+1] = k end print(n, table.concat(s, ",")) end)`
	r := luatrace(t, "-v", "-c", bin(t, "reads")+" 777 40", "-e", script).expectOK(t)
	if r.stdout != "40\t777\n" {
		t.Errorf("stdout %q, want 40 reads of 777 bytes\nstderr:\n%s", r.stdout, r.stderr)
	}
	for _, want := range []string{"alias fs:read: using tracepoint:syscalls:sys_enter_read (", "fentry:vfs_read: ", "kprobe:vfs_read: "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("-v output lacks %q:\n%s", want, r.stderr)
		}
	}
}

// TestAliasFailedCandidateLeavesNothing: a wildcard candidate attaches to
// some tracepoints and then fails on one without the field; those links
// must be gone when the next candidate wins.
func TestAliasFailedCandidateLeavesNothing(t *testing.T) {
	requireRoot(t)
	script := `alias("x:read", { try = {
  { "tracepoint:syscalls:sys_enter_read*", fields = { count = "args.count" } },
  { "tracepoint:syscalls:sys_enter_read", fields = { count = "args.count" } } } })
probe("x:read", function() end)
probe("BEGIN", function() print("ready") end)`
	cmd, rd, stderr := runUntilReady(t, "-v", "-e", script)
	links := testenv.HeldBPF(t, cmd.Process.Pid).Links
	cmd.Process.Kill()
	io.Copy(io.Discard, rd)
	cmd.Wait() // stderr is complete, and no longer written, after Wait
	if len(links) != 1 {
		t.Errorf("luatrace held %d links, want only the winning candidate's\nstderr:\n%s", len(links), stderr)
	}
	if !strings.Contains(stderr.String(), "using tracepoint:syscalls:sys_enter_read (tracepoint:syscalls:sys_enter_read*: ") {
		t.Errorf("the wildcard candidate did not fail as planned:\n%s", stderr)
	}
}

// TestAliasAllFail: one sentence lists each candidate's failure.
func TestAliasAllFail(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-e", `alias("x:none", { try = { "kprobe:no_such_function_lt", "tracepoint:no_such:event_lt" } })
probe("x:none", function() end)`)
	msg := strings.TrimSpace(r.stderr)
	if r.code != 2 || strings.Contains(msg, "\n") {
		t.Fatalf("exit %d, want 2 and one line:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{`probe alias "x:none" cannot attach`, "kprobe:no_such_function_lt: ", "tracepoint:no_such:event_lt: "} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
	opt := luatrace(t, "-e", `alias("x:none", { try = { "tracepoint:no_such:event_lt" } })
print(probe("x:none", { optional = true }, function() end))`).expectOK(t)
	if opt.stdout != "nil\n" || !strings.Contains(opt.stderr, "warning: skipping optional probe") {
		t.Errorf("optional alias: stdout %q stderr %q", opt.stdout, opt.stderr)
	}
}

// TestListAliases: -l lists the aliases of the libraries on the search
// path, matched by the pattern like any probe point; loading them for the
// listing attaches nothing, even when a library calls probe().
func TestListAliases(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	lib := readAlias + `alias("fs:write", { try = { "tracepoint:syscalls:sys_enter_write" } })
probe("tracepoint:syscalls:sys_enter_write", function() print("attached") end)
return {}
`
	if err := os.WriteFile(filepath.Join(dir, "fslib.lua"), []byte(lib), 0o644); err != nil {
		t.Fatal(err)
	}
	r := luatrace(t, "-I", dir, "-l", "fs:*").expectOK(t)
	if r.stdout != "fs:read\nfs:write\n" {
		t.Errorf("-l fs:* printed %q", r.stdout)
	}
	if r := luatrace(t, "-I", dir, "-l", "fs:wr*").expectOK(t); r.stdout != "fs:write\n" {
		t.Errorf("-l fs:wr* printed %q", r.stdout)
	}
}
