package collector

import (
	"os"
	"syscall"
	"testing"

	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"

	"github.com/luatrace/luatrace/bpf/tracefs"
	"github.com/luatrace/luatrace/test/testenv"
)

func loadForTest(t testing.TB) *Collector {
	t.Helper()
	return loadForTestWith(t, Options{})
}

// loadForTestWith is loadForTest with load-time options.
func loadForTestWith(t testing.TB, opts Options) *Collector {
	t.Helper()
	testenv.RequireRoot(t)
	if err := rlimit.RemoveMemlock(); err != nil {
		t.Fatal(err)
	}
	// Tracepoint tests attach through tracefs, which a fresh machine has
	// not mounted; luatrace mounts it, and so must its tests.
	if _, err := tracefs.Mount(); err != nil {
		t.Fatal(err)
	}
	c, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestProgramsVerify loads every entry program this kernel can run: the
// shared ones, raw_tp, and tp_btf (which shares fentry's context).
func TestProgramsVerify(t *testing.T) {
	c := loadForTest(t)
	for _, p := range []Program{Kprobe, Kretprobe, Uprobe, Uretprobe, Tracepoint, PerfEvent} {
		if _, err := c.Shared(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	for _, d := range []struct {
		p      Program
		target string
	}{{RawTP, ""}, {TPBTF, "sched_switch"}, {PerfEvent, ""}} {
		prog, err := c.Dedicated(d.p, 5, d.target)
		if err != nil {
			var le *LoadError
			if asLoad(err, &le) {
				t.Log(le.VerifierLog())
			}
			t.Errorf("%s: %v", d.p, err)
			continue
		}
		prog.Close()
	}
}

func asLoad(err error, le **LoadError) bool {
	e, ok := err.(*LoadError)
	*le = e
	return ok
}

// traceGetppid attaches the tracepoint program to sys_enter_getppid as
// probe 1 with spec, makes n calls and returns the records it produced.
func traceGetppid(t *testing.T, c *Collector, spec Spec, n int) []Record {
	t.Helper()
	fillGetppid(t, c, spec, n)
	var recs []Record
	readAll(t, c, func(b []Record) bool { recs = append(recs, b...); return true })
	var mine []Record
	for _, r := range recs {
		if err := r.Check(); err != nil {
			t.Fatal(err)
		}
		if r.PID() == uint32(os.Getpid()) {
			mine = append(mine, r)
		}
	}
	return mine
}

// fillGetppid attaches the tracepoint program to sys_enter_getppid as
// probe 1 with spec and makes n calls, leaving their records in the ring
// buffer.
func fillGetppid(t *testing.T, c *Collector, spec Spec, n int) {
	t.Helper()
	traceSyscall(t, c, spec, "sys_enter_getppid", func() {
		for i := 0; i < n; i++ {
			syscall.Getppid()
		}
	})
}

// traceSyscall attaches the tracepoint program to syscalls:tracepoint as
// probe 1 with spec while run runs.
func traceSyscall(t *testing.T, c *Collector, spec Spec, tracepoint string, run func()) {
	t.Helper()
	prog, err := c.Shared(Tracepoint)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetSpec(1, spec); err != nil {
		t.Fatal(err)
	}
	l, err := link.Tracepoint("syscalls", tracepoint, prog, &link.TracepointOptions{Cookie: 1})
	if err != nil {
		t.Fatal(err)
	}
	run()
	l.Close()
}

// readAll delivers what the ring buffer holds to deliver, then returns.
func readAll(t *testing.T, c *Collector, deliver func([]Record) bool) {
	t.Helper()
	rd, err := c.NewReader()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- rd.Run(deliver) }()
	rd.Stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	rd.Close()
}

func TestTracepointRecords(t *testing.T) {
	c := loadForTest(t)
	recs := traceGetppid(t, c, Spec{Emit: true, TracepointData: 16}, 100)
	if len(recs) != 100 {
		t.Fatalf("got %d records, want 100", len(recs))
	}
	r := recs[0]
	// sys_enter_getppid's record: 8-byte common header, then int __syscall_nr.
	if nr := int32(le.Uint32(r.Payload()[8:])); nr != syscall.SYS_GETPPID {
		t.Errorf("__syscall_nr = %d, want %d", nr, syscall.SYS_GETPPID)
	}
	if r.ProbeID() != 1 || r.NArgs() != 0 || len(r.Payload()) != 16 || r.Timestamp() == 0 {
		t.Errorf("record header: id %d nargs %d payload %d ts %d", r.ProbeID(), r.NArgs(), len(r.Payload()), r.Timestamp())
	}
	st, err := c.Stats(1)
	if err != nil {
		t.Fatal(err)
	}
	if st.Hits < 100 || st.Lost != 0 || st.Nested != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestTier1FiltersCostNoRecords: events of other processes or commands are
// counted as filtered and never reach the ring buffer.
func TestTier1FiltersCostNoRecords(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
	}{
		{"pid", Spec{Emit: true, PID: 1}},
		{"comm", Spec{Emit: true, Comm: "no-such-comm"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := loadForTest(t)
			if recs := traceGetppid(t, c, tc.spec, 50); len(recs) != 0 {
				t.Errorf("%d records passed the filter", len(recs))
			}
			st, _ := c.Stats(1)
			if st.Filtered < 50 {
				t.Errorf("filtered = %d, want >= 50", st.Filtered)
			}
		})
	}
}

func TestSpecLimits(t *testing.T) {
	bad := []Spec{
		{Args: MaxArgs + 1},
		{TracepointData: MaxTracepointData + 1},
		{Comm: "a-very-long-command-name"},
		{Fields: []Fetch{{Source: FromRegister, TracepointOffset: MaxRegisterOffset + 8}}},
		{Fields: []Fetch{{Source: FromRegister, TracepointOffset: 12}}},
		{Fields: []Fetch{{Source: FromSlot}}}, // a computed slot the spec does not compute
	}
	for _, s := range bad {
		if _, err := s.encode(); err == nil {
			t.Errorf("spec %+v accepted", s)
		}
	}
}
