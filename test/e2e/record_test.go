package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/luatrace/luatrace/bpf/recording"
	"github.com/luatrace/luatrace/test/testenv"
)

// recordScript traces the recstep workload with a tracepoint and a uprobe
// (arg[1] is its path), feeding an in-kernel count and histogram; with
// arg[2] == "detail" each line also carries the event's pid and
// timestamp, and an interval probe ticks among the events: what differs
// from run to run.
const recordScript = `local bin, detail = arg[1], arg[2] == "detail"
local opens = map.count{ key = "comm" }
local steps = map.hist{ value = "arg0" }
local function extra(e)
  if not detail then return "" end
  return string.format(" pid=%d ts=%d", e.pid, e.ts)
end
probe("tracepoint:syscalls:sys_enter_openat", { fields = { file = "str(args.filename)" }, filter = 'comm == "recstep"', into = opens },
  function(e)
    if e.file:find("recstep%-%d+$") then
      printf("open %s flags=%d%s\n", e.file:match("recstep%-%d+$"), e.args.flags, extra(e))
    end
  end)
probe("uprobe:" .. bin .. ":lt_step", { fields = { n = "arg0" }, into = steps },
  function(e) printf("step %d%s\n", e.n, extra(e)) end)
if detail then
  probe("interval:ms:20", function() print("tick") end)
end
probe("END", function() print("--- end"); print(opens); print(steps) end)
`

// countScript is another script over recordScript's recordings: no
// callbacks on the tracepoint, maps keyed and valued differently.
const countScript = `local bin = arg[1]
local opens = map.count{ key = "comm" }
local sum = map.sum{ value = "arg0" }
local steps = 0
probe("tracepoint:syscalls:sys_enter_openat", { filter = 'comm == "recstep"', into = opens })
probe("uprobe:" .. bin .. ":lt_step", { into = sum }, function() steps = steps + 1 end)
probe("END", function() printf("opens=%d steps=%d sum=%d\n", opens:get("recstep"), steps, sum:get()) end)
`

// shared makes a folder every user can read, holding the given files
// (mode 0644), for replays as an unprivileged user.
func shared(t *testing.T, files map[string]string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "luatrace-record-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestRecordReplay: a recording replays to exactly the live run's output
// (pids, timestamps, tracepoint arguments and the in-kernel maps rebuilt
// from events); a recorder killed with SIGKILL mid-way leaves a file that
// replays to a prefix of it.
func TestRecordReplay(t *testing.T) {
	requireRoot(t)
	dir := shared(t, map[string]string{"rec.lua": recordScript})
	exe, script := bin(t, "recstep"), filepath.Join(dir, "rec.lua")
	full := filepath.Join(dir, "full.ltrec")
	const steps = 10

	// 10 ms between steps: ticks every 20 ms fall among them.
	live := luatrace(t, "record", "-o", full, "-c", fmt.Sprintf("%s %d %s 10", exe, steps, dir), script, exe, "detail").expectOK(t)
	if !strings.Contains(live.stdout, fmt.Sprintf("step %d pid=", steps-1)) || !strings.Contains(live.stdout, "@[recstep]: ") || !strings.Contains(live.stdout, "tick\n") {
		t.Fatalf("live run missed events:\n%s\nstderr:\n%s", live.stdout, live.stderr)
	}
	replayed := luatrace(t, "replay", full).expectOK(t)
	if replayed.stdout != live.stdout {
		t.Errorf("replay differs from the live run\nlive:\n%s\nreplay:\n%s\nstderr:\n%s", live.stdout, replayed.stdout, replayed.stderr)
	}

	// The same recording without details: what every run of the workload prints.
	plain := luatrace(t, "replay", full, script, exe).expectOK(t).stdout
	plainEvents, _, _ := strings.Cut(plain, "--- end\n")

	cut := filepath.Join(dir, "cut.ltrec")
	gate := filepath.Join(dir, "gate")
	recordUntilKilled(t, cut, gate, "--flush", "50ms", "-c", fmt.Sprintf("%s %d %s 0 %s", exe, steps, dir, gate), script, exe)
	r := luatrace(t, "replay", cut).expectOK(t)
	if !strings.Contains(r.stderr, "was cut short") {
		t.Errorf("replay of a killed recording does not say it was cut short; stderr:\n%s", r.stderr)
	}
	events, _, _ := strings.Cut(r.stdout, "--- end\n")
	if events == "" || !strings.HasPrefix(plainEvents, events) || len(events) >= len(plainEvents) {
		t.Errorf("replay of the killed recording is not a proper prefix of the full one\nfull:\n%s\nkilled:\n%s", plainEvents, events)
	}
	if want := fmt.Sprintf("step %d\n", steps/2-1); !strings.HasSuffix(events, want) {
		t.Errorf("replay of the killed recording ends %q, want the last step before the gate, %q", lastLine(events), want)
	}
	checkMetadata(t, full, exe, steps)
	checkMetadata(t, cut, exe, 1) // counters written as its first events arrived
}

// checkMetadata reads a recording's items: the host, both probes'
// descriptions (the tracepoint's format, the uprobe's binary and
// build-id) and loss counters that saw at least the workload's steps.
func checkMetadata(t *testing.T, file, exe string, steps int) {
	t.Helper()
	s, err := recording.OpenSeries(file)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var uname unix.Utsname
	unix.Uname(&uname)
	if h := s.Header(); h.KernelRelease != unix.ByteSliceToString(uname.Release[:]) || h.Host == "" || h.StartMonotonic == 0 {
		t.Errorf("%s: header %+v", file, h)
	}
	var format, buildID bool
	var drops *recording.Drops
	for s.Next() {
		switch x := s.Item().(type) {
		case *recording.Probe:
			format = format || strings.Contains(x.TracepointFormat, "field:const char * filename;")
			buildID = buildID || x.Path == exe && len(x.BuildID) == 40
		case *recording.Drops:
			drops = x
		}
	}
	if !format || !buildID {
		t.Errorf("%s: probe descriptions lack the tracepoint format (%v) or the uprobe's build-id (%v)", file, format, buildID)
	}
	if drops == nil {
		t.Fatalf("%s: no loss counters", file)
	}
	var hits uint64
	for _, p := range drops.Probes {
		hits += p.Hits
	}
	if hits < uint64(steps) {
		t.Errorf("%s: loss counters count %d hits, want at least %d: %+v", file, hits, steps, drops.Probes)
	}
}

// recordUntilKilled runs luatrace record -o file args... until the
// workload waits at its gate with every event so far in the file, then
// kills the recorder with SIGKILL.
func recordUntilKilled(t *testing.T, file, gate string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin(t, "luatrace"), append([]string{"record", "-o", file}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	// The workload prints nothing: its last step before the gate shows in
	// the live output, then must reach the file (flushed every 50 ms).
	lines := bufio.NewScanner(stdout)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "step 4") {
	}
	go io.Copy(io.Discard, stdout)
	poll := time.NewTicker(50 * time.Millisecond)
	defer poll.Stop()
	for ctx.Err() == nil {
		if r := luatrace(t, "replay", file); strings.Contains(r.stdout, "step 4\n") {
			break
		}
		<-poll.C
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// TestReplayUnprivileged: a recording replays as nobody, with all
// capabilities gone, to a different script whose maps are rebuilt from
// the events: its counts are those of the live run's in-kernel maps.
func TestReplayUnprivileged(t *testing.T) {
	requireRoot(t)
	setpriv := testenv.RequireCommand(t, "setpriv", "util-linux")
	exe := bin(t, "recstep")
	dir := shared(t, map[string]string{"rec.lua": recordScript, "count.lua": countScript})
	file := filepath.Join(dir, "steps.ltrec")
	const steps = 12
	live := luatrace(t, "record", "-o", file, "-c", fmt.Sprintf("%s %d %s 0", exe, steps, dir), filepath.Join(dir, "rec.lua"), exe).expectOK(t)
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	// The live run's maps: @[recstep]: N, and the histogram's count.
	m := regexp.MustCompile(`@\[recstep\]: (\d+)`).FindStringSubmatch(live.stdout)
	if m == nil {
		t.Fatalf("live run printed no count:\n%s", live.stdout)
	}
	// Unprivileged: luatrace itself is copied where nobody may run it.
	exeCopy := filepath.Join(dir, "luatrace")
	copyFile(t, bin(t, "luatrace"), exeCopy, 0o755)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
		exeCopy, "replay", file, filepath.Join(dir, "count.lua"), exe)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("unprivileged replay: %v\n%s", err, out)
	}
	// recstep's steps 0..11 sum to 66; its opens are the loader's and steps'.
	want := fmt.Sprintf("opens=%s steps=%d sum=%d\n", m[1], steps, steps*(steps-1)/2)
	if got, _, _ := strings.Cut(string(out), "\n"); got+"\n" != want {
		t.Errorf("unprivileged replay printed\n%s\nwant first line %q (live run:\n%s)", out, want, live.stdout)
	}
	if !strings.Contains(live.stdout, fmt.Sprintf("@[recstep]: %s", m[1])) || !strings.Contains(string(out), "@[recstep]: "+m[1]) {
		t.Errorf("rebuilt map differs from the live one:\nlive:\n%s\nreplay:\n%s", live.stdout, out)
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, mode); err != nil {
		t.Fatal(err)
	}
}

// TestMetricsScrapedByPrometheus: Debian's Prometheus scrapes a live
// luatrace's --metrics endpoint; its API returns the exact count of the
// workload's calls, the histogram's buckets and a value the script
// published.
func TestMetricsScrapedByPrometheus(t *testing.T) {
	requireRoot(t)
	prom := testenv.RequireCommand(t, "prometheus", "prometheus")
	exe := bin(t, "recstep")
	dir := shared(t, nil)
	gate := filepath.Join(dir, "gate")
	script := `local steps = map.count{ key = "comm", name = "steps" }
local values = map.hist{ key = "comm", value = "arg0", name = "step_values", labels = { "command" } }
local hits = map.count{ key = "probe", name = "hits" }
local stacks = map.count{ key = { "comm", "ustack" }, name = "step_stacks" }
probe("uprobe:` + exe + `:lt_step", { into = { steps, values } })
probe("uprobe:` + exe + `:lt_step", { into = { hits, stacks } })
probe("uprobe:` + exe + `:lt_step", { fields = { n = "arg0" } }, function(e) metrics.set("last_step", e.n) end)`
	addr := testenv.FreePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// 20 steps, 0..19: the workload stops at the gate after 0..9.
	cmd := exec.CommandContext(ctx, bin(t, "luatrace"), "--metrics", addr, "-c", fmt.Sprintf("%s 20 %s 0 %s", exe, dir, gate), "-e", script)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		os.WriteFile(gate, nil, 0o644)
		if err := cmd.Wait(); err != nil {
			t.Errorf("luatrace: %v\n%s", err, out.String())
		}
	}()
	api := testenv.StartPrometheus(t, prom, addr)
	// Scrapes land every 200 ms; poll until one saw all ten steps.
	poll := time.NewTicker(100 * time.Millisecond)
	defer poll.Stop()
	for ctx.Err() == nil {
		if v, ok := testenv.TryQueryPrometheus(api, `luatrace_steps{comm="recstep"}`); ok && v == "10" {
			break
		}
		<-poll.C
	}
	tests := []struct{ query, want string }{
		{`luatrace_steps{comm="recstep"}`, "10"},
		// Log2 buckets of 0..9: le="0" holds 0, le="1" 0..1, le="3" 0..3,
		// le="7" 0..7, le="15" all ten.
		{`luatrace_step_values_bucket{command="recstep",le="0"}`, "1"},
		{`luatrace_step_values_bucket{command="recstep",le="3"}`, "4"},
		{`luatrace_step_values_bucket{command="recstep",le="7"}`, "8"},
		{`luatrace_step_values_bucket{command="recstep",le="15"}`, "10"},
		{`luatrace_step_values_count{command="recstep"}`, "10"},
		{`luatrace_step_values_sum{command="recstep"}`, "45"},
		{`luatrace_last_step`, "9"},
		// A probe key part is the label probe, a stack the label of its
		// folded frames (outermost first, the probed function last).
		{`luatrace_hits{probe="uprobe:` + exe + `:lt_step"}`, "10"},
		{`sum(luatrace_step_stacks{comm="recstep",ustack=~"(.+;)?lt_step"})`, "10"},
	}
	for _, tc := range tests {
		if got := testenv.QueryPrometheus(t, api, tc.query); got != tc.want {
			t.Errorf("Prometheus says %s = %s, want %s", tc.query, got, tc.want)
		}
	}
}

// TestReplayStacks: kernel and user stacks (frame pointers and dwarf)
// replay, as nobody, named as the live run named them: kernel frames from
// the recorded symbols, user frames through the recorded mappings and the
// binaries' build-ids, dwarf stacks unwound with those binaries' CFI.
func TestReplayStacks(t *testing.T) {
	requireRoot(t)
	setpriv := testenv.RequireCommand(t, "setpriv", "util-linux")
	dir := shared(t, nil)
	naps, exe := filepath.Join(dir, "naps"), filepath.Join(dir, "luatrace")
	copyFile(t, bin(t, "naps"), naps, 0o755)
	copyFile(t, bin(t, "luatrace"), exe, 0o755)
	script := `probe("uprobe:` + naps + `:lt_nap", { fields = { us = "ustack", ud = "ustack(dwarf)" } }, function(e) printf("nap\n%s\ndwarf\n%s\n", tostring(e.us), tostring(e.ud)) end)
probe("tracepoint:syscalls:sys_enter_clock_nanosleep", { fields = { ks = "kstack" } }, function(e) printf("sleep\n%s\n", tostring(e.ks)) end)`
	file := filepath.Join(dir, "stacks.ltrec")
	live := luatrace(t, "record", "-o", file, "-c", naps+" 2 20", "-e", script).expectOK(t)
	if !strings.Contains(live.stdout, "lt_nap+0") || !strings.Contains(live.stdout, "do_syscall_64+") || !strings.Contains(live.stdout, "__libc_start_call_main+") {
		t.Fatalf("live stacks are not symbolized:\n%s", live.stdout)
	}
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", exe, "replay", file)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("replay as nobody: %v\n%s", err, errb.String())
	}
	if out.String() != live.stdout {
		t.Errorf("replayed stacks differ\nlive:\n%s\nreplay:\n%s", live.stdout, out.String())
	}
}

// TestReplayStacksWithoutBinaries: user stacks replay named as the live
// run named them once the traced binary is deleted, from the symbols the
// recording carries: stacks a callback printed, and stacks only an
// in-kernel map kept, named at END.
func TestReplayStacksWithoutBinaries(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	naps := filepath.Join(dir, "naps")
	copyFile(t, bin(t, "naps"), naps, 0o755)
	tests := []struct {
		name, script string
		want         []string // in the live output, so the replay's naming is checked
	}{
		{"callback", `probe("uprobe:` + naps + `:lt_nap", { fields = { us = "ustack" } }, function(e) printf("nap\n%s\n", tostring(e.us)) end)`,
			[]string{"lt_nap+0", "main+", "__libc_start_call_main+"}},
		{"map key", `local m = map.count{ key = "ustack" }
probe("uprobe:` + naps + `:lt_nap", { into = m })
probe("END", function() print(m) end)`,
			[]string{"lt_nap+0", "main+"}},
	}
	var files []string
	lives := map[string]string{}
	for _, tt := range tests {
		file := filepath.Join(t.TempDir(), "stacks.ltrec")
		live := luatrace(t, "record", "-o", file, "-c", naps+" 2 20", "-e", tt.script).expectOK(t)
		for _, w := range tt.want {
			if !strings.Contains(live.stdout, w) {
				t.Fatalf("%s: live stacks lack %q:\n%s", tt.name, w, live.stdout)
			}
		}
		files = append(files, file)
		lives[file] = live.stdout
	}
	if err := os.Remove(naps); err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := luatrace(t, "replay", files[i]).expectOK(t)
			if got.stdout != lives[files[i]] {
				t.Errorf("replay without %s differs\nlive:\n%s\nreplay:\n%s", naps, lives[files[i]], got.stdout)
			}
		})
	}
}

// TestRecordRotates: --max-size splits a recording into FILE, FILE.1, ...
// and the replay reads them as one, to exactly the live output.
func TestRecordRotates(t *testing.T) {
	requireRoot(t)
	dir := shared(t, map[string]string{"rec.lua": recordScript})
	exe, file := bin(t, "recstep"), filepath.Join(dir, "rot.ltrec")
	live := luatrace(t, "record", "-o", file, "--max-size", "4K", "--flush", "10ms", "-c", fmt.Sprintf("%s 100 %s 3", exe, dir), filepath.Join(dir, "rec.lua"), exe, "detail").expectOK(t)
	files, _ := filepath.Glob(file + ".*")
	if len(files) < 2 {
		t.Fatalf("recording was not rotated: %v\nstderr:\n%s", files, live.stderr)
	}
	r := luatrace(t, "replay", file).expectOK(t)
	if r.stdout != live.stdout {
		t.Errorf("replay of %d rotated files differs from the live run\nlive:\n%s\nreplay:\n%s\nstderr:\n%s", len(files)+1, live.stdout, r.stdout, r.stderr)
	}
}

// hostScript reads the machine besides its events, through every path a
// script has: io.open, the proc module, os.readlink, ksym/kaddr and the
// kernel global.
const hostScript = `local proc = require("proc")
local file = arg[1]
local function read()
  local f = io.open(file)
  if not f then return "gone" end
  local s = f:read("*l") f:close() return s
end
local sym = ksym(kaddr("vfs_read"))
printf("main %s %s %s\n", read(), sym, tostring(kernel.has_function("vfs_read")))
opened = map.count{ key = "str(args.filename)" }
probe("tracepoint:syscalls:sys_enter_openat", { fields = { f = "str(args.filename)" }, into = opened }, function(e)
  if e.f ~= file then return end
  printf("event %s %s %s %s\n", read(), proc.comm(e.pid) or "exited", tostring(proc.exists(e.pid)), os.readlink("/proc/" .. e.pid .. "/exe") or "no exe")
end)
probe("END", function() printf("end %s\n", read()) end)
`

// TestReplayReadsRecordedHost: what a script read of the machine while
// recording (a file, /proc of a process that has exited since, kernel
// symbols) is what the replay reads, as nobody, after the file changed
// and went; a replay script reading what the recording lacks is an error
// naming it. The file's long name, a map key, is cut alike live and in
// the replay.
func TestReplayReadsRecordedHost(t *testing.T) {
	requireRoot(t)
	setpriv := testenv.RequireCommand(t, "setpriv", "util-linux")
	dir := shared(t, map[string]string{"host.lua": hostScript, "other.lua": `print(io.open("/etc/hostname"):read("*l"))`})
	data := filepath.Join(dir, strings.Repeat("d", 80))
	if err := os.WriteFile(data, []byte("recorded\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "host.ltrec")
	live := luatrace(t, "record", "-o", file, "-c", "cat "+data, filepath.Join(dir, "host.lua"), data).expectOK(t)
	// cat may have exited by the time its event is read (then /proc says
	// so, and the replay must say the same).
	if !strings.Contains(live.stdout, "main recorded vfs_read true\n") || !strings.Contains(live.stdout, "event recorded ") ||
		!strings.Contains(live.stdout, "@opened["+data[:63]+"]: 1\n") {
		t.Fatalf("live run:\n%s", live.stdout)
	}
	if err := os.Remove(data); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "luatrace")
	copyFile(t, bin(t, "luatrace"), exe, 0o755)
	replay := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, setpriv, append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", exe, "replay", file}, args...)...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// The live output less cat's own (the file's line).
	want := strings.Replace(live.stdout, "\nrecorded\n", "\n", 1)
	got, err := replay()
	if err != nil || !strings.HasPrefix(got, want) {
		t.Errorf("replay as nobody: %v\n%s\nwant the live output:\n%s", err, got, want)
	}
	got, err = replay(filepath.Join(dir, "other.lua"))
	if err == nil || !strings.Contains(got, "read /etc/hostname was not recorded in "+file+"; replay the recorded script, or record again with a script that asks it") {
		t.Errorf("replay of a script reading what was not recorded: %v\n%s", err, got)
	}
}
