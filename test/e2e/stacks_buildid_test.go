package e2e

import (
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
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

// TestProfileCallGraphBuildIDAfterExit: profile --call-graph buildid
// names the user frames of a program that ran and exited while luatrace
// was stopped (SIGSTOP), so that it handled every sample after the
// process had gone: cmp, from the debug info of the program's build-id
// (installed apart, in a mount namespace's /usr/lib/debug). Without that
// debug info the same frames print as BUILDID+0xOFFSET: nothing else
// could name them.
func TestProfileCallGraphBuildIDAfterExit(t *testing.T) {
	requireRoot(t)
	exe := gccWorkload(t, "qsortcmp", "-O2", "-fno-omit-frame-pointer", "-g", "-Wl,--build-id")
	id := buildID(t, exe)
	tests := []struct {
		name      string
		debugRoot string
		named     bool
	}{
		{"debug info", installDebugInfo(t, exe, false), true},
		{"no debug info", t.TempDir(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := profileExitedWhileStopped(t, tt.debugRoot, exe)
			samples, cmp := 0, 0
			for _, m := range regexp.MustCompile(`@\[\n    (\S+)\n(?s:.*?), \d+, qsortcmp\]: (\d+)`).FindAllStringSubmatch(out, -1) {
				n, _ := strconv.Atoi(m[2])
				samples += n
				if strings.HasPrefix(m[1], "cmp+") {
					cmp += n
				}
			}
			unnamed := strings.Count(out, id+"+0x")
			t.Logf("%d samples of qsortcmp, %d with the leaf cmp; %d stacks with unnamed frames of its build-id", samples, cmp, unnamed)
			switch {
			case samples < 5:
				t.Errorf("%d samples of qsortcmp, want more:\n%s", samples, out)
			case tt.named && (unnamed > 0 || 2*cmp <= samples):
				t.Errorf("%d of %d samples end in cmp and %d frames of %s are unnamed; want most in cmp, all named:\n%s", cmp, samples, unnamed, id, out)
			case !tt.named && (cmp > 0 || unnamed == 0):
				t.Errorf("without the debug info, %d samples end in cmp and %d frames are %s+0x...: the test does not test the lookup:\n%s", cmp, unnamed, id, out)
			}
		})
	}
}

// profileExitedWhileStopped runs profile --call-graph buildid -U on a
// process that runs exe for 300 ms once luatrace is stopped, and exits
// before luatrace continues, and returns the profile.
func profileExitedWhileStopped(t *testing.T, debugRoot, exe string) string {
	t.Helper()
	work := exec.Command("sh", "-c", "read go && exec "+exe+" 300")
	in, err := work.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := work.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { work.Process.Kill(); work.Wait() })
	argv := debugNamespaceArgs(t, debugRoot, "-p", strconv.Itoa(work.Process.Pid), "profile", "--call-graph", "buildid", "-U", "-F", "99")
	l := startLiveCmd(t, "Sampling", exec.Command(argv[0], argv[1:]...))
	if err := l.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.cmd.Process.Signal(syscall.SIGCONT) })
	io.WriteString(in, "go\n")
	if err := work.Wait(); err != nil {
		t.Fatalf("qsortcmp: %v", err)
	}
	if err := l.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	// luatrace -p stops when its process has exited.
	return strings.Join(l.wait(t), "\n")
}
