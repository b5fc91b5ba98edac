package e2e

import (
	"regexp"
	"strconv"
	"testing"
)

// TestUserStackBuildIDAfterExit: ustack(buildid) takes the kernel's
// build-id frames; luatrace never reads the mappings of the process (the
// callback waits until it has exited), and the leaf is still named, from
// the debug info of its build-id (installed apart, in a mount namespace's
// /usr/lib/debug).
func TestUserStackBuildIDAfterExit(t *testing.T) {
	requireRoot(t)
	exe := gccWorkload(t, "qsortcmp", "-O2", "-fno-omit-frame-pointer", "-g", "-Wl,--build-id")
	debugRoot := installDebugInfo(t, exe, false)
	script := `local proc, time = require("proc"), require("time")
local done = false
probe("uprobe:` + exe + `:work", {fields = {us = "ustack(buildid)"}}, function(e)
  if done then return end
  done = true
  local deadline = time.now() + 10e9
  while proc.comm(e.pid) and time.now() < deadline do end
  local f = e.us[1]
  printf("exited %s\nleaf %s %s %s\n", tostring(proc.comm(e.pid) == nil), f.sym or "?", f.buildid and "build-id" or "address", f.module or "?")
end)`
	r := inDebugNamespace(t, debugRoot, "-c", exe+" 50", "-e", script).expectOK(t)
	want := regexp.MustCompile(`^exited true\nleaf work build-id /usr/lib/debug/\.build-id/[0-9a-f]{2}/[0-9a-f]+\.debug\n$`)
	if !want.MatchString(r.stdout) {
		t.Errorf("stdout:\n%s\nwant it to match %s\nstderr:\n%s", r.stdout, want, r.stderr)
	}
}

// TestProfileBuildIDFrames: the kernel gives build-id frames from a
// perf_event sample too (NMI context, where it may only fall back to the
// address): most samples of qsortcmp have a build-id leaf, named.
func TestProfileBuildIDFrames(t *testing.T) {
	requireRoot(t)
	exe := gccWorkload(t, "qsortcmp", "-O2", "-fno-omit-frame-pointer", "-g", "-Wl,--build-id")
	script := `local total, buildid, named = 0, 0, 0
probe("profile:hz:99", {fields = {us = "ustack(buildid)"}}, function(e)
  total = total + 1
  local f = e.us[1]
  if f and f.buildid then
    buildid = buildid + 1
    if f.sym then named = named + 1 end
  end
end)
probe("END", function() printf("%d %d %d\n", total, buildid, named) end)`
	r := luatrace(t, "-c", exe+" 1500", "-e", script).expectOK(t)
	m := regexp.MustCompile(`^(\d+) (\d+) (\d+)\n$`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	total, _ := strconv.Atoi(m[1])
	buildid, _ := strconv.Atoi(m[2])
	named, _ := strconv.Atoi(m[3])
	t.Logf("%d samples, %d with a build-id leaf, %d of those named", total, buildid, named)
	if total < 5 || 2*buildid <= total || 2*named <= buildid {
		t.Errorf("%d samples, %d with a build-id leaf, %d of those named: want most of each", total, buildid, named)
	}
}
