package e2e

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// mapsScript feeds every kind of in-kernel map from the workload's
// getppid calls; __syscall_nr is 110 on every one of them.
const mapsScript = `
c  = map.count{ key = "comm" }
s  = map.sum{ key = "comm", value = "args.__syscall_nr" }
mn = map.min{ value = "args.__syscall_nr - 200" }
mx = map.max{ key = "comm", value = "args.__syscall_nr * 3" }
a  = map.avg{ value = "args.__syscall_nr / 2" }
st = map.stats{ key = "comm", value = "args.__syscall_nr" }
h  = map.hist{ value = "args.__syscall_nr" }
l  = map.lhist{ value = "args.__syscall_nr", min = 0, max = 200, step = 50 }
k  = map.count{ key = { "comm", "args.__syscall_nr" } }
full = map.count{ key = "nsecs", max = 10 }
local tp = "tracepoint:syscalls:sys_enter_getppid"
local only = { comm = "getppid_loop" }
probe(tp, { comm = "getppid_loop", into = { c, s } })
probe(tp, { comm = "getppid_loop", into = { mn, mx } })
probe(tp, { comm = "getppid_loop", into = { a, st } })
probe(tp, { comm = "getppid_loop", into = { h, l } })
probe(tp, { comm = "getppid_loop", into = { k, full } })
`

// TestMapsExact checks each kind's value on a known workload, reading the
// maps from Lua at END.
func TestMapsExact(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-c", bin(t, "getppid_loop")+" 1000", "-e", mapsScript+`
probe("END", function()
  local stat = st:get("getppid_loop")
  local hist = h:get()
  printf("count=%d sum=%d min=%d max=%d avg=%d\n", c:get("getppid_loop"), s:get("getppid_loop"), mn:get(), mx:get("getppid_loop"), a:get())
  printf("stats=%d/%d/%d hist=%s:%d composite=%d\n", stat.count, stat.average, stat.total, hist.buckets[1].label, hist.buckets[1].count, k:get("getppid_loop", 110))
  local items = k:items()
  printf("items=%d key=%s,%d full=%d lost=%d\n", #items, items[1].key[1], items[1].key[2], full:len(), full:lost())
  c:clear()
  printf("cleared=%d\n", c:len())
end)`).expectOK(t)
	for _, want := range []string{
		"count=1000 sum=110000 min=-90 max=330 avg=55\n",
		"stats=1000/110/110000 hist=[64, 128):1000 composite=1000\n",
		"items=1 key=getppid_loop,110 full=10 lost=990\n",
		"cleared=0\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("missing %q in:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "map @full lost 990 updates") {
		t.Errorf("full map not reported:\n%s", r.stderr)
	}
}

// TestMapsMatchBpftrace runs bpftrace 0.17 and luatrace on the same
// workload and compares the maps they print at exit, byte for byte.
func TestMapsMatchBpftrace(t *testing.T) {
	requireRoot(t)
	requireBpftrace(t)
	values := bin(t, "values")
	tests := []struct {
		name, workload, bpftrace, luatrace string
	}{
		{"every kind", bin(t, "getppid_loop") + " 1000", `tracepoint:syscalls:sys_enter_getppid /comm == "getppid_loop" && pid == cpid/ {
	@c[comm] = count(); @s[comm] = sum(args->__syscall_nr); @mx[comm] = max(args->__syscall_nr * 3);
	@mn = min(args->__syscall_nr - 200); @mxa = max(args->__syscall_nr);
	@a = avg(args->__syscall_nr / 2); @st[comm] = stats(args->__syscall_nr);
	@h = hist(args->__syscall_nr); @l = lhist(args->__syscall_nr, 0, 200, 50); @k[comm, args->__syscall_nr] = count(); }`,
			strings.NewReplacer("full = map.count{ key = \"nsecs\", max = 10 }\n", "mxa = map.max{ value = \"args.__syscall_nr\" }\n",
				"into = { k, full }", "into = { k, mxa }").Replace(mapsScript)},
		// A uprobe fires in user mode: its kernel stack is empty.
		{"empty kernel stack", values + " 2", `uprobe:` + values + `:lt_value /pid == cpid/ { @ks[kstack] = count(); @ksg[kstack, arg1] = count(); }`, `
ks = map.count{ key = "kstack" }
ksg = map.count{ key = { "kstack", "arg1" } }
probe("uprobe:` + values + `:lt_value", { into = { ks, ksg } })`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := mapText(runBpftrace(t, tc.bpftrace, tc.workload))
			r := luatrace(t, "-c", tc.workload, "-e", tc.luatrace).expectOK(t)
			if got := mapText(r.stdout); got != want {
				t.Errorf("luatrace printed\n%s\nbpftrace printed\n%s", got, want)
			}
		})
	}
}

// mapText is the printout from the first map line on, leading blank lines
// dropped, the workload's own output (a number per line) left out.
func mapText(s string) string {
	i := strings.Index(s, "\n@")
	if i < 0 {
		return ""
	}
	return regexp.MustCompile(`(?m)^[0-9.]+\n`).ReplaceAllString(s[i+1:], "")
}

// TestStackKeys counts by kernel stack: the key is a stack object that
// prints as bpftrace's multi-line key.
func TestStackKeys(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-c", bin(t, "getppid_loop")+" 200", "-e", `
ks = map.count{ key = "kstack" }
probe("tracepoint:syscalls:sys_enter_getppid", { comm = "getppid_loop", into = ks })
probe("END", function()
  local total, frames = 0, 0
  for _, it in ipairs(ks:items()) do total = total + it.value; frames = frames + #it.key end
  printf("total=%d frames>0=%s top=%s\n", total, tostring(frames > 0), ks:items()[1].key[1].sym)
end)`).expectOK(t)
	if !strings.Contains(r.stdout, "total=200 frames>0=true top=") {
		t.Errorf("stack keys:\n%s", r.stdout)
	}
	if !regexp.MustCompile(`(?m)^@ks\[\n    \S+\+\d+\n`).MatchString(r.stdout) {
		t.Errorf("stack key not printed as bpftrace does:\n%s", r.stdout)
	}
}

// TestLuaHistogram: hist.new() prints like map.hist.
func TestLuaHistogram(t *testing.T) {
	r := luatrace(t, "-e", `
h = hist.new()
for _, v in ipairs({0, 1, 2, 3, 1024, -5}) do h:add(v) end
print(h)
l = hist.new{ min = 0, max = 100, step = 50 }
l:add(10, "a") l:add(60, "a") l:add(500, "b")
print(l)`).expectOK(t)
	want := "@h: \n" +
		"(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n" +
		"[0]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n" +
		"[1]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n" +
		"[2, 4)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
	if !strings.HasPrefix(r.stdout, want) {
		t.Errorf("got\n%s\nwant prefix\n%s", r.stdout, want)
	}
	if !strings.Contains(r.stdout, fmt.Sprintf("@l[b]: \n%-16s%8d |", "[100, ...)", 1)) || !strings.Contains(r.stdout, fmt.Sprintf("@l[a]: \n%-16s%8d |", "[0, 50)", 1)) {
		t.Errorf("keyed linear histogram:\n%s", r.stdout)
	}
}

// TestStackKeysEmptyAndUser: samples without a user stack (idle CPUs,
// kernel threads) are a key of their own, not lost; user stack keys
// carry their process, so frames are symbolized in it.
func TestStackKeysEmptyAndUser(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-c", bin(t, "busy")+" 1500", "-e", `
us = map.count{ key = "ustack" }
all = map.count{ key = "ustack" }
probe("profile:hz:199", { into = us, filter = "pid > 0" })
probe("profile:hz:199", { into = all })
probe("interval:ms:700", function()
  local named = false
  for _, it in ipairs(us:items()) do
    for i = 1, #it.key do if it.key[i].sym == "main" then named = true end end
  end
  printf("named=%s lost=%d %d\n", tostring(named), us:lost(), all:lost())
  exit()
end)`).expectOK(t)
	if !strings.Contains(r.stdout, "named=true lost=0 0\n") {
		t.Errorf("output:\n%s", r.stdout)
	}
}

// TestMapsJSON: with -f json a printed map is one "map" record (keys to
// values) and a histogram one "hist" record of buckets.
func TestMapsJSON(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-f", "json", "-c", bin(t, "getppid_loop")+" 100", "-e", `
c = map.count{ key = "comm" }
h = map.hist{ value = "args.__syscall_nr" }
probe("tracepoint:syscalls:sys_enter_getppid", { comm = "getppid_loop", into = { c, h } })
probe("END", function() print(c) print(h) end)`).expectOK(t)
	for _, want := range []string{
		`{"type": "map", "data": {"@c": {"getppid_loop": 100}}}`,
		`{"type": "hist", "data": {"@h": [{"min": 64, "max": 127, "count": 100}]}}`,
	} {
		if !strings.Contains(r.stdout, want+"\n") {
			t.Errorf("missing %s in:\n%s", want, r.stdout)
		}
	}
}

// TestStackOptionPointsToFields: bpftrace users reaching for a stack
// option get one sentence naming the capture fields instead.
func TestStackOptionPointsToFields(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-e", `probe("tracepoint:syscalls:sys_enter_getppid", { stack = true }, function(e) end)`)
	if r.code != 2 || !strings.Contains(r.stderr, `fields = { ks = "kstack", us = "ustack" }`) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestStampsFull: stamps never read (keyed by nsecs here) cannot fill the
// collector's 32768 for ever: past them the stamp untouched longest makes
// room, the stamps dropped unread are counted per table and reported at
// exit, and the stamp read at every call (other[tid]) is never the one
// dropped, so since() finds it each time. since() of a table that no
// earlier probe stamps is refused before anything is attached.
func TestStampsFull(t *testing.T) {
	requireRoot(t)
	const calls, held = 40000, 32768
	r := luatrace(t, "-c", bin(t, "getppid_loop")+" "+strconv.Itoa(calls), "-e", `
found = map.count{}
probe("tracepoint:syscalls:sys_enter_getppid", { comm = "getppid_loop", stamp = "t[nsecs]" })
probe("tracepoint:syscalls:sys_exit_getppid", { comm = "getppid_loop", stamp = "other[tid]" })
probe("tracepoint:syscalls:sys_enter_getppid", { comm = "getppid_loop", filter = "since(other[tid]) >= 0", into = found })
`).expectOK(t)
	m := regexp.MustCompile(`luatrace: stamp table t: (\d+) of (\d+) stamps were dropped unread to make room for newer ones: the collector holds 32768 at once\n`).FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("no report of the stamps dropped from table t:\n%s", r.stderr)
	}
	dropped, _ := strconv.Atoi(m[1])
	stored, _ := strconv.Atoi(m[2])
	// other[tid] takes one of the places.
	if stored != calls || dropped < calls-(held-1) || dropped >= calls {
		t.Errorf("%d of %d stamps dropped, want %d stored and %d to %d dropped", dropped, stored, calls, calls-(held-1), calls-1)
	}
	if strings.Contains(r.stderr, "table other") {
		t.Errorf("stamps read at once were dropped:\n%s", r.stderr)
	}
	// The first call has no stamp of its exit yet.
	if !strings.Contains(r.stdout, fmt.Sprintf("@found: %d\n", calls-1)) {
		t.Errorf("want @found: %d, got:\n%s", calls-1, r.stdout)
	}

	r = luatrace(t, "-e", `probe("tracepoint:sched:sched_switch", { into = map.hist{ value = "since(queued[args.next_pid])" } })`)
	want := `no probe stamps table queued; give an earlier probe the option stamp = "queued[KEY]"`
	if r.code != 2 || !strings.Contains(r.stderr, want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("since() of a table no probe stamps: exit %d, stderr %q, want one line saying %q", r.code, r.stderr, want)
	}
}

// TestMapStringKeys: string literals, in either quote, as whole keys and
// as parts of composite ones; one probe feeds two maps (the most it may).
func TestMapStringKeys(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-c", bin(t, "getppid_loop")+" 1000", "-e", `
c   = map.count{ key = { "comm", "'calls'" } }
lit = map.sum{ key = '"getppid"', value = "args.__syscall_nr" }
probe("tracepoint:syscalls:sys_enter_getppid", { comm = "getppid_loop", into = { c, lit } })
probe("END", function()
  printf("count=%d sum=%d items=%s\n", c:get("getppid_loop", "calls"), lit:get("getppid"), lit:items()[1].key)
end)`).expectOK(t)
	for _, want := range []string{
		"count=1000 sum=110000 items=getppid\n",
		"@c[getppid_loop, calls]: 1000\n",
		"@lit[getppid]: 110000\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("missing %q in:\n%s", want, r.stdout)
		}
	}
}

// TestMapShortForms: a map in place of the callback is short for into,
// and map constructors take bpftrace's argument order; both count exactly.
func TestMapShortForms(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-c", bin(t, "getppid_loop")+" 1000", "-e", `
local tp, only = "tracepoint:syscalls:sys_enter_getppid", { comm = "getppid_loop" }
c = map.count{ key = "comm" }
probe(tp, only, c)
s, h = map.sum("args.__syscall_nr"), map.hist("args.__syscall_nr", { key = "comm" })
probe(tp, only, { s, h })
l = map.lhist("args.__syscall_nr", 0, 200, 50)
local hits = 0
probe(tp, only, l, function() hits = hits + 1 end)
probe("END", function()
  printf("count=%d sum=%d hist=%d lhist=%d callback=%d into=%s\n", c:get("getppid_loop"), s:get(),
    h:get("getppid_loop").count, l:get().buckets[1].count, hits, tostring(only.into))
end)`).expectOK(t)
	if want := "count=1000 sum=110000 hist=1000 lhist=1000 callback=1000 into=nil\n"; !strings.Contains(r.stdout, want) {
		t.Errorf("missing %q in:\n%s", want, r.stdout)
	}
}
