package e2e

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// A tracepoint's user-space string, captured in the kernel.
func TestCaptureTracepointString(t *testing.T) {
	requireRoot(t)
	script := `probe("tracepoint:syscalls:sys_enter_openat", {fields = {path = "str(args.filename)", flags = "args.flags"}},
  function(e) printf("%s %x %s\n", e.path, e.flags, e:status("path")) end)`
	r := luatrace(t, "-c", bin(t, "openat")+" /etc/hostname 3", "-e", script).expectOK(t)
	var got []string
	for _, l := range r.lines() {
		if strings.HasPrefix(l, "/etc/hostname ") {
			got = append(got, l)
		}
	}
	if len(got) != 3 || got[0] != "/etc/hostname 80000 ok" {
		t.Errorf("captured %q\nall output:\n%s", got, r.stdout)
	}
}

// A 4000-byte user buffer whose length is another argument, exact.
func TestCaptureUserBuffer(t *testing.T) {
	requireRoot(t)
	script := `probe("tracepoint:syscalls:sys_enter_write", {fields = {data = "buf(args.buf, args.count)", n = "args.count"}},
  function(e)
    local want = {}
    for i = 0, e.n - 1 do want[#want + 1] = string.char(97 + i % 26) end
    printf("%d %d %s %s\n", e.n, #e.data, tostring(e.data == table.concat(want)), e:status("data"))
  end)`
	r := luatrace(t, "-c", bin(t, "writebuf")+" 4000 2", "-e", script).expectOK(t)
	if r.stdout != "4000 4000 true ok\n4000 4000 true ok\n" {
		t.Errorf("stdout %q", r.stdout)
	}
}

// A uprobe reading through a pointer chain without debug info: offsets by
// hand, as in bpftrace (struct lt_outer: long pad; lt_inner *inner; char *label).
func TestCaptureUprobePointerChain(t *testing.T) {
	requireRoot(t)
	exe := bin(t, "ufuncs")
	script := `probe("uprobe:` + exe + `:lt_chain", {fields = {
    label = "str(((u64 *)arg0)[2])",
    name = "str(((u64 *)arg0)[1] + 4)",
    id = "*(s32 *)(((u64 *)arg0)[1])",
  }}, function(e) printf("%s %s %d\n", e.label, e.name, e.id) end)`
	r := luatrace(t, "-c", exe+" 2", "-e", script).expectOK(t)
	if r.stdout != "outer-label inner-name 7\nouter-label inner-name 7\n" {
		t.Errorf("stdout %q\nstderr:\n%s", r.stdout, r.stderr)
	}
}

// Capture errors are one sentence, with the column and the fix.
func TestCaptureErrors(t *testing.T) {
	requireRoot(t)
	tests := []struct{ fields, want string }{
		{`{p = "str(args.filenme)"}`, `no argument args.filenme (did you mean filename?)`},
		{`{p = "args.filename +"}`, `unexpected end at column 16`},
		{`{p = "retval"}`, `retval exists only in return probes`},
		{`{p = "str(args.flags)"}`, `str() needs a pointer, not a int`},
		{`{pid = "args.flags"}`, `field name "pid" is taken by the event`},
		{`{p = "buf(args.filename, 100000)"}`, `size 100000 is outside 1..32752`},
	}
	for _, tc := range tests {
		r := luatrace(t, "-e", `probe("tracepoint:syscalls:sys_enter_openat", {fields = `+tc.fields+`}, function(e) end)`)
		msg := strings.TrimSpace(r.stderr)
		if r.code != 2 || !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
			t.Errorf("fields %s: exit %d, stderr %q, want %q", tc.fields, r.code, msg, tc.want)
		}
	}
}

// Kernel-side filters: rejected events cost no ring space and are counted
// as filtered; header clauses, comm and captured values all work.
func TestFilters(t *testing.T) {
	requireRoot(t)
	workload := bin(t, "openat")
	// The workload's 4 opens plus the dynamic loader's: counted once
	// without a filter, then every filter keeps all or none of them.
	base := luatrace(t, "-c", workload+" /etc/hostname 4", "-e", `local n = 0
probe("tracepoint:syscalls:sys_enter_openat", function(e) n = n + 1 end)
probe("END", function() print(n) end)`).expectOK(t)
	all, _ := strconv.Atoi(strings.TrimSpace(base.stdout))
	if all < 4 {
		t.Fatalf("baseline saw %d opens", all)
	}
	tests := []struct {
		name, filter   string
		seen, filtered int
	}{
		{"captured value", `args.dfd == -100 && args.flags > 0`, all, 0},
		{"no match", `args.flags < 0`, 0, all},
		{"comm", `comm != "openat"`, 0, all},
		{"comm equal", `comm == "openat"`, all, 0},
		{"header", `pid == 1`, 0, all},
		{"mirrored", `0 <= args.flags`, all, 0},
		{"or, one side holds", `args.flags < 0 || pid > 0`, all, 0},
		{"or, neither holds", `args.flags < 0 || pid == 1`, 0, all},
		{"not", `!(args.flags < 0)`, all, 0},
		{"two values", `args.flags >= args.mode`, all, 0},
		{"arithmetic", `(args.flags & 3) == 0 && args.dfd + 100 == 0`, all, 0},
		{"arithmetic, no match", `args.dfd * 2 == -100`, 0, all},
		{"string", `str(args.filename) == "/etc/hostname"`, 4, all - 4},
		{"string, not", `str(args.filename) != "/etc/hostname"`, all - 4, 4},
		{"comm or", `comm == "openat" || pid == 1`, all, 0},
		{"comm or, neither", `comm == "nope" || pid == 1`, 0, all},
		{"five comparisons", `pid != 1 && pid != 2 && pid != 3 && args.flags >= 0 && args.dfd == -100`, all, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			script := `local n = 0
local h = probe("tracepoint:syscalls:sys_enter_openat", {filter = '` + tc.filter + `'}, function(e) n = n + 1 end)
probe("END", function() local s = h:stats(); printf("%d %d\n", n, s.filtered) end)`
			r := luatrace(t, "-c", workload+" /etc/hostname 4", "-e", script).expectOK(t)
			var seen, filtered int
			fmt.Sscanf(r.stdout, "%d %d", &seen, &filtered)
			// Other processes' opens are filtered too (by -c's pid), so
			// filtered counts at least the workload's rejected ones.
			if seen != tc.seen || filtered < tc.filtered {
				t.Errorf("seen/filtered %q, want %d and at least %d", r.stdout, tc.seen, tc.filtered)
			}
		})
	}
}

func TestFilterErrors(t *testing.T) {
	requireRoot(t)
	tests := []struct{ filter, want string }{
		{`args.flags > "x"`, `strings compare with == and != only`},
		{`args.flags == "x"`, `only strings compare with a string`},
		{`1 < 2`, `this comparison is constant`},
		{`args.flgs > 0`, `did you mean flags?`},
		{`args.flags`, `a filter is comparisons joined by && and ||`},
	}
	for _, tc := range tests {
		r := luatrace(t, "-e", `probe("tracepoint:syscalls:sys_enter_openat", {filter = '`+tc.filter+`'}, function(e) end)`)
		msg := strings.TrimSpace(r.stderr)
		if r.code != 2 || !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
			t.Errorf("filter %s: exit %d, stderr %q, want %q", tc.filter, r.code, msg, tc.want)
		}
	}
}

// Stacks: the kernel stack of a syscall tracepoint passes through the
// syscall entry; a uprobe's user stack starts in the probed function.
func TestStacks(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-c", bin(t, "syscalls")+" 1", "-e", `probe("tracepoint:syscalls:sys_enter_getppid", {fields = {ks = "kstack"}},
  function(e) io.write(tostring(e.ks)); print(#e.ks > 0, e.ks[1].sym ~= nil) end)`).expectOK(t)
	if !strings.Contains(r.stdout, "do_syscall_64+") || !strings.HasSuffix(r.stdout, "true\ttrue\n") {
		t.Errorf("kernel stack:\n%s", r.stdout)
	}
	exe := bin(t, "ufuncs")
	r = luatrace(t, "-c", exe+" 1 linger", "-e", `probe("uprobe:`+exe+`:lt_add", {fields = {us = "ustack"}},
  function(e) local f = e.us[1]; printf("%s+%d %s\n", f.sym, f.offset, f.module) end)`).expectOK(t)
	if r.stdout != "lt_add+0 "+exe+"\n" {
		t.Errorf("user stack top %q, want lt_add+0 in %s", r.stdout, exe)
	}
}

// Return probes see their entry's arguments and duration, paired per
// thread and call depth: lt_fact(3) recurses, and the innermost call
// returns first.
func TestReturnProbeEntryArgs(t *testing.T) {
	requireRoot(t)
	exe := bin(t, "ufuncs")
	script := `probe("uretprobe:` + exe + `:lt_fact", {fields = {n = "arg0", d = "duration"}},
  function(e) printf("%d -> %d %s\n", e.n, e.retval, tostring(e.d > 0 and e.duration == e.d)) end)
probe("uretprobe:` + exe + `:lt_add", {entry = true}, function(e) printf("add(%d, %d) = %d\n", e.arg0, e.arg1, e.retval) end)`
	r := luatrace(t, "-c", exe+" 2", "-e", script).expectOK(t)
	want := strings.Repeat("add(3, 4) = 7\n1 -> 1 true\n2 -> 2 true\n3 -> 6 true\n", 2)
	if r.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s\nstderr:\n%s", r.stdout, want, r.stderr)
	}
	// Entry probes are helpers: nothing of theirs shows in the counts.
	r = luatrace(t, "-c", exe+" 2", "-e", `local h = probe("uretprobe:`+exe+`:lt_fact", {fields = {n = "arg0"}}, function(e) end)
probe("END", function() print(h:stats().hits) end)`).expectOK(t)
	if r.stdout != "6\n" {
		t.Errorf("hits %q, want 6 returns", r.stdout)
	}
}

// Concurrent threads in the same function: each return pairs with its own
// thread's entry (lt_work(i) returns i*10).
func TestReturnProbePairsPerThread(t *testing.T) {
	requireRoot(t)
	exe := bin(t, "threads")
	script := `local good, bad = 0, 0
probe("uretprobe:` + exe + `:lt_work", {fields = {i = "arg0"}}, function(e)
  if e.retval == e.i * 10 and e.i >= 1 and e.i <= 4 then good = good + 1 else bad = bad + 1 end
end)
probe("END", function() printf("%d %d\n", good, bad) end)`
	r := luatrace(t, "-c", exe+" 4 200", "-e", script).expectOK(t)
	if r.stdout != "800 0\n" {
		t.Errorf("paired/mismatched %q, want 800 0\nstderr:\n%s", r.stdout, r.stderr)
	}
}

// curtask is the current task_struct (typed from BTF); cgroup is the
// cgroup v2 id, the inode of the process's cgroup directory.
func TestCurtaskAndCgroup(t *testing.T) {
	requireRoot(t)
	script := `probe("tracepoint:syscalls:sys_enter_getppid", {fields = {tg = "curtask->tgid", tt = "curtask->pid", cg = "cgroup"}},
  function(e) printf("%s %s %d\n", tostring(e.tg == e.pid), tostring(e.tt == e.tid), e.cg) end)`
	r := luatrace(t, "-c", bin(t, "syscalls")+" 1", "-e", script).expectOK(t)
	ino := cgroupID(t)
	want := fmt.Sprintf("true true %d\n", ino)
	if r.stdout != want {
		t.Errorf("stdout %q, want %q", r.stdout, want)
	}
	// And as a kernel-side filter.
	r = luatrace(t, "-c", bin(t, "syscalls")+" 3", "-e", fmt.Sprintf(`local n = 0
probe("tracepoint:syscalls:sys_enter_getppid", {filter = "cgroup == %d"}, function(e) n = n + 1 end)
probe("END", function() print(n) end)`, ino)).expectOK(t)
	if r.stdout != "3\n" {
		t.Errorf("cgroup filter kept %q, want 3", r.stdout)
	}
}

// cgroupID is this process's cgroup v2 id: the inode of its cgroup
// directory, or 1 for the root cgroup (which may not even be mounted).
func cgroupID(t *testing.T) uint64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	path := ""
	for _, line := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			path = p
		}
	}
	if path == "/" {
		return 1
	}
	mounts, _ := os.ReadFile("/proc/self/mounts")
	for _, line := range strings.Split(string(mounts), "\n") {
		f := strings.Fields(line)
		if len(f) > 2 && f[2] == "cgroup2" {
			var st syscall.Stat_t
			if err := syscall.Stat(f[1]+path, &st); err == nil {
				return st.Ino
			}
		}
	}
	t.Fatalf("cannot find the cgroup v2 directory of %q", path)
	return 0
}

// Arithmetic, bit operators and comparisons over captured values are
// computed in Go when the event is read.
func TestDerivedFieldValues(t *testing.T) {
	requireRoot(t)
	script := `probe("tracepoint:syscalls:sys_enter_write", {fields = {
    half = "args.count / 2", low = "args.count & 0xff", big = "args.count > 1000", neg = "-args.fd"}},
  function(e) printf("%d %d %d %d\n", e.half, e.low, e.big, e.neg) end)`
	r := luatrace(t, "-c", bin(t, "writebuf")+" 4000 1", "-e", script).expectOK(t)
	// 4000 / 2, 4000 & 0xff = 160, true, and the fd of /dev/null negated.
	if !strings.HasPrefix(r.stdout, "2000 160 1 -") {
		t.Errorf("stdout %q", r.stdout)
	}
}

// A uretprobe reads the buffer the function filled, through the entry's
// pointer argument, with the length it returned.
func TestUretprobeReadsFilledBuffer(t *testing.T) {
	requireRoot(t)
	exe := bin(t, "ufuncs")
	r := luatrace(t, "-c", exe+" 2", "-e", `probe("uretprobe:`+exe+`:lt_fill", {fields = {data = "buf(arg0, retval)"}},
  function(e) printf("%d %s %s\n", e.retval, e.data, e:status("data")) end)`).expectOK(t)
	if r.stdout != "17 filled-by-lt_fill ok\n17 filled-by-lt_fill ok\n" {
		t.Errorf("stdout %q\nstderr:\n%s", r.stdout, r.stderr)
	}
}

// A narrow read through a tracepoint pointer field: the field's width and
// the read's are separate (a 1-byte read once cut the pointer to 1 byte).
func TestNarrowReadThroughTracepointField(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-c", bin(t, "openat")+" /etc/hostname 1", "-e", `probe("tracepoint:syscalls:sys_enter_openat", {fields = {c = "args.filename[0]"}},
  function(e) print(e.c, e:status("c")) end)`).expectOK(t)
	if !strings.Contains(r.stdout, "47\tok\n") {
		t.Errorf("first byte of the opened path, want 47 ('/'):\n%s", r.stdout)
	}
}
