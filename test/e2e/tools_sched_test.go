package e2e

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// schedRun is a scheduler tool's report on the bursts workload.
type schedRun struct {
	text         string
	count, total int
	buckets      map[string]int // "[16K, 32K)" -> count
}

// traceBursts starts bursts (ROUNDS SPIN_MS SLEEP_MS) held at its prompt,
// runs tool with -p on it, releases it once the tool is attached, and
// interrupts the tool after the workload exits.
func traceBursts(t *testing.T, bursts []string, tool ...string) schedRun {
	t.Helper()
	work, pid, release := startHeld(t, "bursts", bursts...)
	l := startLive(t, "Tracing", append(tool, "-p", strconv.Itoa(pid))...)
	release()
	if err := work.Wait(); err != nil {
		t.Fatalf("bursts: %v", err)
	}
	return parseSched(t, strings.Join(l.stop(t), "\n"))
}

// parseSched reads a scheduler tool's report: its histogram's buckets and
// the @usecs_stats line.
func parseSched(t *testing.T, text string) schedRun {
	t.Helper()
	run := schedRun{text: text, buckets: map[string]int{}}
	for _, m := range regexp.MustCompile(`(?m)^(\[[^)\]]+[)\]]) +(\d+) \|`).FindAllStringSubmatch(text, -1) {
		run.buckets[m[1]], _ = strconv.Atoi(m[2])
	}
	m := regexp.MustCompile(`(?m)^@usecs_stats: count (\d+), average \d+, total (\d+)$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no @usecs_stats line:\n%s", text)
	}
	run.count, _ = strconv.Atoi(m[1])
	run.total, _ = strconv.Atoi(m[2])
	if !strings.Contains(text, "@usecs: \n") {
		t.Errorf("report has no @usecs histogram:\n%s", text)
	}
	return run
}

// TestRunqlatTool: a thread that only naps is woken once per nap (and once
// by its release line); each wakeup is one latency sample, and on a
// machine not starved for CPU each wait is under 100 ms.
func TestRunqlatTool(t *testing.T) {
	requireRoot(t)
	r := traceBursts(t, []string{"20", "0", "5"}, "runqlat")
	// Preemptions also count, but a thread that spins 0 ms is rarely
	// preempted. On a loaded machine a wakeup can reach the thread before
	// it has left the CPU: it then never waits in the run queue, and that
	// nap gives no sample (as in bcc's runqlat; TestSchedToolsMatchBpftrace
	// checks the counts against bpftrace's on the same events).
	if r.count < 19 || r.count > 30 {
		t.Errorf("%d latency samples, want 21 (20 naps and the release; 19 when wakeups beat the sleeps):\n%s", r.count, r.text)
	}
	if r.total > 100000*r.count {
		t.Errorf("total %d µs for %d waits:\n%s", r.total, r.count, r.text)
	}
}

// TestCpudistTool: bursts runs 10 × 20 ms of CPU time, so however the
// scheduler cuts them, the on-CPU stints add up to 200 ms (plus its
// start-up and exit, less the few percent by which the scheduler's
// accounting and the tracepoint's clock differ); off CPU, its ten 20 ms naps each land at 16 ms or
// more.
func TestCpudistTool(t *testing.T) {
	requireRoot(t)
	on := traceBursts(t, []string{"10", "20", "20"}, "cpudist")
	// sched_switch wall time tracks the thread's CPU clock within a few
	// percent: 194.1 to 201.5 ms measured on a loaded 2-CPU machine.
	if on.total < 180000 || on.total > 230000 {
		t.Errorf("on-CPU total %d µs, want 180000 to 230000:\n%s", on.total, on.text)
	}
	if on.count < 11 {
		t.Errorf("%d on-CPU stints, want at least 11 (ten bursts and the exit):\n%s", on.count, on.text)
	}
	off := traceBursts(t, []string{"10", "20", "20"}, "cpudist", "-O")
	long := 0
	for _, b := range []string{"[16K, 32K)", "[32K, 64K)", "[64K, 128K)"} {
		long += off.buckets[b]
	}
	if long < 10 || off.total < 200000 {
		t.Errorf("off-CPU: %d stints of 16 ms or more and %d µs in all, want at least 10 and 200000:\n%s", long, off.total, off.text)
	}
}

// TestOffcputimeTool: a thread that naps 10 × 20 ms is off the CPU at
// least 200 ms in all, under kernel stacks through schedule().
func TestOffcputimeTool(t *testing.T) {
	requireRoot(t)
	work, pid, release := startHeld(t, "bursts", "10", "0", "20")
	l := startLive(t, "Tracing off-CPU", "offcputime", "-p", strconv.Itoa(pid))
	release()
	if err := work.Wait(); err != nil {
		t.Fatalf("bursts: %v", err)
	}
	lines := l.stop(t)
	total, schedule := 0, false
	for i, line := range lines {
		if strings.TrimSpace(line) == "schedule" {
			schedule = true
		}
		if strings.HasPrefix(line, "    -") && strings.Contains(line, " bursts ("+strconv.Itoa(pid)+")") && i+1 < len(lines) {
			n, err := strconv.Atoi(strings.TrimSpace(lines[i+1]))
			if err != nil {
				t.Fatalf("no total after %q", line)
			}
			total += n
		}
	}
	if total < 190000 || !schedule {
		t.Errorf("off-CPU total %d µs (want at least 10 × 20 ms), schedule() seen: %v\n%s", total, schedule, strings.Join(lines, "\n"))
	}
}

// TestProfileTool samples a spinning workload: in folded output at 99 Hz
// for a second nearly every sample of it is in main, called from
// __libc_start_main.
func TestProfileTool(t *testing.T) {
	requireRoot(t)
	busy := busyBackground(t)
	before := cpuTicks(t, busy)
	r := luatrace(t, "profile", "-U", "-f", "-F", "99", "-p", strconv.Itoa(busy), "1").expectOK(t)
	ran := float64(cpuTicks(t, busy)-before) / 100 // seconds on a CPU (USER_HZ is 100)
	inMain := 0
	for _, line := range r.lines() {
		stack, count, ok := strings.Cut(line, " ")
		n, err := strconv.Atoi(count)
		if !ok || err != nil || !strings.HasPrefix(stack, "busy;") {
			t.Fatalf("line %q is not \"busy;frames count\":\n%s", line, r.stdout)
		}
		if strings.Contains(stack, ";main") {
			inMain += n
		}
	}
	// 99 a second while the process runs, less those that land in the
	// kernel (clock_gettime is served by the vDSO, so few do). How much it
	// runs depends on the machine's load: samples must exist, and cannot
	// outnumber the CPU time the process got during the whole run.
	if most := min(101, int(ran*99)+5); inMain < 5 || inMain > most {
		t.Errorf("%d samples in main, want 5 to %d (the process ran %.2f s on a CPU):\n%s", inMain, most, ran, r.stdout)
	}
}

// cpuTicks is the CPU time pid has used, in clock ticks (utime + stime).
func cpuTicks(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(b), ") ") // comm may hold spaces
	f := strings.Fields(rest)
	utime, _ := strconv.Atoi(f[11])
	stime, _ := strconv.Atoi(f[12])
	return utime + stime
}

func TestNaptimeTool(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-c", "/bin/sleep 0.25", "naptime").expectOK(t)
	// Before its exec the child is still called luatrace and may nap 0 s.
	rs := matching(rows(t, r, "TIME "), 4, "sleep")
	if len(rs) != 1 || rs[0][2] != "luatrace" || rs[0][4] != "sleep" || rs[0][5] != "0.250" {
		t.Errorf("rows %q, want one sleep of 0.250 s whose parent is luatrace\n%s", rs, r.stdout)
	}
}

// pingpongRounds is how many round trips the exactness tests' workload
// makes: each blocks and wakes both threads, far more switches than the
// event queue (65536) holds.
const pingpongRounds = 150000

// TestSchedToolsMatchBpftrace: runqlat and cpudist aggregate in the
// kernel, so on pingpong (two threads waking each other 150,000 times)
// under a concurrent busy process they count exactly the waits and
// stints bpftrace 0.17 counts with the same logic, attached at the same
// time to the same thread.
func TestSchedToolsMatchBpftrace(t *testing.T) {
	requireRoot(t)
	bt := requireBpftrace(t)
	busyBackground(t)
	tests := []struct {
		tool []string
		prog string // bpftrace's version; P is the traced thread
	}{
		{[]string{"runqlat"}, `
tracepoint:sched:sched_wakeup, tracepoint:sched:sched_wakeup_new /args->pid == P/ { @q[args->pid] = nsecs; }
tracepoint:sched:sched_switch /(args->prev_state & 0xff) == 0 && args->prev_pid == P/ { @q[args->prev_pid] = nsecs; }
tracepoint:sched:sched_switch /args->next_pid == P/ { $ns = @q[args->next_pid]; if ($ns) { @n = count(); } delete(@q[args->next_pid]); }`},
		{[]string{"cpudist"}, `
tracepoint:sched:sched_switch /args->next_pid == P/ { @q[args->next_pid] = nsecs; }
tracepoint:sched:sched_switch /args->prev_pid == P/ { $ns = @q[args->prev_pid]; if ($ns) { @n = count(); } delete(@q[args->prev_pid]); }`},
		{[]string{"cpudist", "-O"}, `
tracepoint:sched:sched_switch /args->prev_pid == P && (args->prev_state & 0x30) == 0/ { @q[args->prev_pid] = nsecs; }
tracepoint:sched:sched_switch /args->next_pid == P/ { $ns = @q[args->next_pid]; if ($ns) { @n = count(); } delete(@q[args->next_pid]); }`},
	}
	for _, tc := range tests {
		work, pid, release := startHeld(t, "pingpong", strconv.Itoa(pingpongRounds))
		p := strconv.Itoa(pid)
		prog := "BEGIN { printf(\"ready\\n\"); }\n" + strings.ReplaceAll(tc.prog, "== P", "== "+p) + "\nEND { clear(@q); }"
		b := startLiveCmd(t, "ready", exec.Command(bt, "-e", prog))
		l := startLive(t, "Tracing", append(tc.tool, "-p", p)...)
		release()
		if err := work.Wait(); err != nil {
			t.Fatalf("pingpong: %v", err)
		}
		text := strings.Join(l.stop(t), "\n")
		btText := strings.Join(b.stop(t), "\n")
		m := regexp.MustCompile(`(?m)^@usecs_stats: count (\d+),`).FindStringSubmatch(text)
		bm := regexp.MustCompile(`(?m)^@n: (\d+)$`).FindStringSubmatch(btText)
		if m == nil || bm == nil {
			t.Fatalf("%v: no count in\n%s\nor bpftrace's\n%s", tc.tool, text, btText)
		}
		n, _ := strconv.Atoi(m[1])
		want, _ := strconv.Atoi(bm[1])
		t.Logf("%v: %d samples, bpftrace %d", tc.tool, n, want)
		if n != want || n < pingpongRounds/2 {
			t.Errorf("%v counted %d, bpftrace %d (want equal, and at least %d)\n%s", tc.tool, n, want, pingpongRounds/2, text)
		}
	}
}

// TestOffcputimeExact: offcputime sums off-CPU time in the kernel under
// the stacks, comm and pid its stamp saved at the switch-out. A thread
// blocks offnapsCount times for offnapsUS µs in nap_here (nanosleep) while
// a busy process competes for the CPUs; at the same time bpftrace 0.17
// times the thread's every block with the same logic, and a luatrace
// one-liner counts the blocks per saved kernel stack. Then: the blocks
// under do_nanosleep are (nearly) the naps; the tool's total for the stack
// from nap_here to do_nanosleep lies between the naps' length (less the
// rounding to whole µs) and the wall
// time the workload measured around them; the thread's blocks in all are
// exactly as many as bpftrace counts, and their totals agree within the
// µs each tracer's clock reading and rounding may add per block.
func TestOffcputimeExact(t *testing.T) {
	requireRoot(t)
	bt := requireBpftrace(t)
	busyBackground(t)
	const naps, napUS = 1000, 500
	work := exec.Command(bin(t, "offnaps"), strconv.Itoa(naps), strconv.Itoa(napUS))
	in, _ := work.StdinPipe()
	w := startLiveCmd(t, "", work)
	tid, _ := strconv.Atoi(w.seen[0])
	p := strconv.Itoa(tid)

	b := startLiveCmd(t, "ready", exec.Command(bt, "-e", `BEGIN { printf("ready\n"); }
tracepoint:sched:sched_switch /args->prev_pid == `+p+` && (args->prev_state & 0x30) == 0/ { @s[args->prev_pid] = nsecs; }
tracepoint:sched:sched_switch /@s[args->next_pid]/ { $us = (nsecs - @s[args->next_pid]) / 1000;
  if ($us >= 1) { @n = count(); @t = sum($us); } delete(@s[args->next_pid]); }
END { clear(@s); }`))
	one := startLive(t, "ready", "-e", `
local back = "away[args.next_pid]"
blocks = map.stats{key = back .. ".kstack", value = "since(" .. back .. ") / 1000"}
probe("tracepoint:sched:sched_switch", {filter = "args.prev_pid == `+p+` && (args.prev_state & 0x30) == 0", stamp = {"away[args.prev_pid]", "kstack"}})
probe("tracepoint:sched:sched_switch", {filter = "since(" .. back .. ") / 1000 >= 1", into = blocks})
probe("BEGIN", function() print("ready") end)`)
	tool := startLive(t, "Tracing", "offcputime", "-t", p)
	io.WriteString(in, "go\n")
	measured := w.await(t, "the naps' total", func(s string) bool { return strings.HasPrefix(s, "naps ") })
	wallUS, _ := strconv.Atoi(strings.Fields(measured)[3])
	// Stopped while offnaps runs, whose user stacks are symbolized then.
	toolText := strings.Join(tool.stop(t), "\n")
	oneText := strings.Join(one.stop(t), "\n")
	btText := strings.Join(b.stop(t), "\n")
	in.Close()
	if err := work.Wait(); err != nil {
		t.Fatalf("offnaps: %v", err)
	}

	// The tool: kernel frames, "--", user frames, "- comm (pid)", total.
	napTotal, toolTotal := 0, 0
	for _, row := range regexp.MustCompile(`(?s)((?:    [^\n]*\n)+?)    -  +offnaps \(`+p+`\)\n        (\d+)\n`).FindAllStringSubmatch(toolText, -1) {
		n, _ := strconv.Atoi(row[2])
		toolTotal += n
		if strings.Contains(row[1], "do_nanosleep") && strings.Contains(row[1], "--\n    nap_here") {
			napTotal += n
		}
	}
	// The one-liner: blocks per kernel stack.
	napBlocks, oneBlocks := 0, 0
	for _, row := range regexp.MustCompile(`(?s)@blocks\[\n(.*?)\n\]: count (\d+), average \d+, total (\d+)`).FindAllStringSubmatch(oneText, -1) {
		n, _ := strconv.Atoi(row[2])
		oneBlocks += n
		if strings.Contains(row[1], "do_nanosleep") {
			napBlocks += n
		}
	}
	bm := regexp.MustCompile(`(?m)^@n: (\d+)\n+@t: (\d+)$`).FindStringSubmatch(btText)
	if bm == nil {
		t.Fatalf("no @n and @t in bpftrace's output:\n%s", btText)
	}
	btBlocks, _ := strconv.Atoi(bm[1])
	btTotal, _ := strconv.Atoi(bm[2])
	t.Logf("naps: %d of %d µs, measured %d µs; offcputime: %d µs under nap_here, %d µs in all; one-liner: %d blocks in do_nanosleep, %d in all; bpftrace: %d blocks, %d µs",
		naps, napUS, wallUS, napTotal, toolTotal, napBlocks, oneBlocks, btBlocks, btTotal)
	// A nap whose timer expires before the thread gets to sleep (it was
	// preempted in between, which a busy machine does to a few) does not
	// block: its time is in another block, or in none. A nap woken before
	// its timer (do_nanosleep loops) blocks twice: bpftrace counted those
	// too (1001 of 1000 under load).
	if napBlocks > naps+naps/100 || napBlocks < naps*9/10 {
		t.Errorf("%d blocks under do_nanosleep, want about %d:\n%s", napBlocks, naps, oneText)
	}
	// Each block is rounded down to whole µs.
	if least := naps * (napUS - 1); napTotal < least || napTotal > wallUS {
		t.Errorf("offcputime: %d µs under nap_here and do_nanosleep, want %d to %d (the naps' length to the time measured around them):\n%s",
			napTotal, least, wallUS, toolText)
	}
	if oneBlocks != btBlocks {
		t.Errorf("%d blocks of the thread, bpftrace counted %d", oneBlocks, btBlocks)
	}
	// Each tracer reads the clock at its own turn on the tracepoint, after
	// the programs attached before it, some of which capture stacks
	// (measured: 1.5 to 2.9 µs a block, 5.7 on a loaded machine); the
	// blocks themselves last 500 µs.
	if diff := toolTotal - btTotal; diff < -20*btBlocks || diff > 20*btBlocks {
		t.Errorf("offcputime's total %d µs and bpftrace's %d differ by more than 20 µs per block (%d blocks)", toolTotal, btTotal, btBlocks)
	}
}

// TestSchedToolsUnderCommand: with -c the pid filter tests the thread each
// probe is about (option task), not the current task: at sched_switch the
// one taking the CPU is next_pid while the one leaving still runs, and a
// wakeup runs in the waker. So offcputime -c shows the command's naps,
// runqlat -c counts its wakeups, and cpudist -c adds up the CPU time of
// the child the shell starts (-c follows descendants), as their -p runs do.
func TestSchedToolsUnderCommand(t *testing.T) {
	requireRoot(t)
	naps := bin(t, "naps")
	// offcputime: 5 naps of 20 ms, each a block under do_nanosleep.
	off := luatrace(t, "-c", naps+" 5 20", "offcputime", "-K").expectOK(t).stdout
	napped := 0
	for _, row := range regexp.MustCompile(`(?s)((?:    [^\n]*\n)+?)    -  +naps \(\d+\)\n        (\d+)\n`).FindAllStringSubmatch(off, -1) {
		if strings.Contains(row[1], "do_nanosleep") {
			n, _ := strconv.Atoi(row[2])
			napped += n
		}
	}
	if napped < 5*20000 {
		t.Errorf("offcputime -c: %d µs off the CPU under do_nanosleep, want at least 5 × 20 ms:\n%s", napped, off)
	}

	// runqlat: each of 20 naps ends in a wakeup and a switch onto naps
	// (one fewer when a wakeup beats its sleep), plus the start's wakeup
	// and the preemptions a loaded machine adds (24 to 44 measured).
	// Before option task it counted 0 to 3; the whole system gives
	// 3,600 to 4,300 a second on this 2-CPU machine, so 200 in the
	// command's ~0.3 s are its own.
	r := parseSched(t, luatrace(t, "-c", naps+" 20 5", "runqlat").expectOK(t).stdout)
	if r.count < 19 || r.count > 200 {
		t.Errorf("runqlat -c: %d latency samples, want 20 (one per nap) plus a few preemptions:\n%s", r.count, r.text)
	}

	// cpudist: bursts, started by a shell, spins 10 × 20 ms.
	on := parseSched(t, luatrace(t, "-c", "sh -c 'echo go | "+bin(t, "bursts")+" 10 20 20 >/dev/null'", "cpudist").expectOK(t).stdout)
	if on.total < 180000 || on.total > 260000 || on.count < 11 {
		t.Errorf("cpudist -c: %d stints, %d µs on the CPU, want at least 11 adding up to about 200 ms:\n%s", on.count, on.total, on.text)
	}
}

// TestSchedToolsEnginePID: luatrace -p PID TOOL (the engine's pid filter,
// testing the thread each probe is about) and TOOL -p PID (the tools' own
// filters on the tracepoints' fields) attached to the same workload at
// once count the same events.
func TestSchedToolsEnginePID(t *testing.T) {
	requireRoot(t)
	for _, tc := range []struct {
		tool   string
		bursts []string
	}{
		{"runqlat", []string{"20", "1", "5"}},
		{"cpudist", []string{"10", "5", "5"}},
	} {
		work, pid, release := startHeld(t, "bursts", tc.bursts...)
		p := strconv.Itoa(pid)
		engine := startLive(t, "Tracing", "-p", p, tc.tool)
		own := startLive(t, "Tracing", tc.tool, "-p", p)
		release()
		if err := work.Wait(); err != nil {
			t.Fatalf("bursts: %v", err)
		}
		e := parseSched(t, strings.Join(engine.stop(t), "\n"))
		o := parseSched(t, strings.Join(own.stop(t), "\n"))
		t.Logf("%s: luatrace -p: %d samples, %d µs; %s -p: %d samples, %d µs", tc.tool, e.count, e.total, tc.tool, o.count, o.total)
		if e.count != o.count || e.count < 10 {
			t.Errorf("%s: luatrace -p %s counted %d, %s -p %s %d; want the same, at least 10\n%s\n%s", tc.tool, p, e.count, tc.tool, p, o.count, e.text, o.text)
		}
	}
}
