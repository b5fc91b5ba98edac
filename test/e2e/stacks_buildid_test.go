package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/luatrace/luatrace/test/testenv"
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
	work, release := startOnLine(t, "exec "+exe+" 300")
	argv := debugNamespaceArgs(t, debugRoot, "-p", strconv.Itoa(work.Process.Pid), "profile", "--call-graph", "buildid", "-U", "-F", "99")
	l := startLiveCmd(t, "Sampling", exec.Command(argv[0], argv[1:]...))
	if err := l.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.cmd.Process.Signal(syscall.SIGCONT) })
	release()
	if err := work.Wait(); err != nil {
		t.Fatalf("qsortcmp: %v", err)
	}
	if err := l.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	// luatrace -p stops when its process has exited.
	return strings.Join(l.wait(t), "\n")
}

// TestReplayBuildIDStacks: ustack(buildid) stacks replay, as nobody, named
// as the live run named them once the traced programs are deleted, from
// the symbols the recording carries for the build-ids its frames had:
// stacks a script printed, profile --call-graph buildid's counts, and the
// frames of a stripped program named from its debug file (recorded in a
// mount namespace whose /usr/lib/debug has it). The replay runs where
// /usr/lib/debug is empty: libc's frames, named from libc6-dbg's files
// when recording, are named from the recording.
func TestReplayBuildIDStacks(t *testing.T) {
	requireRoot(t)
	setpriv := testenv.RequireCommand(t, "setpriv", "util-linux")
	dir := shared(t, nil)
	exe, luatraceCopy := filepath.Join(dir, "qsortcmp"), filepath.Join(dir, "luatrace")
	copyFile(t, gccWorkload(t, "qsortcmp", "-O2", "-fno-omit-frame-pointer", "-Wl,--build-id"), exe, 0o755)
	copyFile(t, bin(t, "luatrace"), luatraceCopy, 0o755)
	stripped := gccWorkload(t, "qsortcmp", "-O2", "-fno-omit-frame-pointer", "-g", "-Wl,--build-id")
	debugRoot, noDebug := installDebugInfo(t, stripped, true), t.TempDir()
	tests := []struct {
		name      string
		exe       string
		debugRoot string // where the recording runs: "" for this machine's /usr/lib/debug
		args      []string
		want      []string // in the live output, so the replay's naming is checked
	}{
		{"script", exe, "", []string{"-e", `probe("uprobe:` + exe + `:work", { fields = { us = "ustack(buildid)" } }, function(e)
  printf("work %s\n%s\n", tostring(e.us[1].buildid ~= nil), tostring(e.us))
end)`}, []string{"work true\n", "work+0", "main+", "__libc_start_call_main+"}},
		{"profile", exe, "", []string{"profile", "--call-graph", "buildid", "-U", "-F", "99", "-f"}, []string{"qsortcmp;cmp "}},
		{"debug file", stripped, debugRoot, []string{"profile", "--call-graph", "buildid", "-U", "-F", "99", "-f"}, []string{"qsortcmp;cmp "}},
	}
	files := make([]string, len(tests))
	lives := make([]string, len(tests))
	for i, tt := range tests {
		files[i] = filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".ltrec")
		args := append([]string{"record", "-o", files[i], "-c", tt.exe + " 300"}, tt.args...)
		if tt.debugRoot != "" {
			lives[i] = inDebugNamespace(t, tt.debugRoot, args...).expectOK(t).stdout
		} else {
			lives[i] = luatrace(t, args...).expectOK(t).stdout
		}
		for _, w := range tt.want {
			if !strings.Contains(lives[i], w) {
				t.Fatalf("%s: live stacks lack %q:\n%s", tt.name, w, lives[i])
			}
		}
		if err := os.Chmod(files[i], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{exe, stripped} {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			// This machine's debug files are hidden too: libc's and the
			// stripped program's.
			cmd := exec.CommandContext(ctx, "unshare", "-m", "sh", "-c", "mount --bind "+noDebug+" /usr/lib/debug && exec "+
				setpriv+" --reuid=65534 --regid=65534 --clear-groups "+luatraceCopy+" replay "+files[i])
			var out, errb strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Run(); err != nil {
				t.Fatalf("replay as nobody: %v\n%s", err, errb.String())
			}
			if out.String() != lives[i] {
				t.Errorf("replay without %s differs\nlive:\n%s\nreplay:\n%s\nstderr:\n%s", tt.exe, lives[i], out.String(), errb.String())
			}
		})
	}
}
