package attach

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/probespec"
	"github.com/luatrace/luatrace/test/testenv"
)

// testEnv loads a collector for attach tests.
func testEnv(t *testing.T) *Env {
	t.Helper()
	testenv.RequireRoot(t)
	col, err := collector.Load(collector.Options{RingBytes: 1 << 16})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { col.Close() })
	return &Env{Collector: col}
}

// requests resolves spec into requests with ids from 1.
func requests(t *testing.T, e *Env, spec string) []Request {
	t.Helper()
	s, err := probespec.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	targets, _, err := e.Resolve(s)
	if err != nil {
		t.Fatal(err)
	}
	reqs := make([]Request, len(targets))
	for i, tg := range targets {
		reqs[i] = Request{Target: tg, ID: uint32(i + 1), Spec: collector.Spec{Emit: true}}
	}
	return reqs
}

// links counts the BPF links this process holds.
func links(t *testing.T) int {
	t.Helper()
	fds, err := filepath.Glob("/proc/self/fdinfo/*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range fds {
		b, _ := os.ReadFile(f)
		if strings.Contains(string(b), "link_id:") {
			n++
		}
	}
	return n
}

// TestAttachAllInterrupted: a stop requested while attaching abandons the
// batch, and nothing of it stays attached.
func TestAttachAllInterrupted(t *testing.T) {
	e := testEnv(t)
	reqs := requests(t, e, "tracepoint:sched:sched_*")
	if len(reqs) < 4 {
		t.Fatalf("only %d sched tracepoints", len(reqs))
	}
	before := links(t)
	asked := 0
	e.Interrupted = func() bool { asked++; return asked > 3 }
	atts, _, err := e.AttachAll(reqs)
	if !errors.Is(err, ErrInterrupted) || atts != nil {
		t.Fatalf("AttachAll = %d attachments, %v; want ErrInterrupted", len(atts), err)
	}
	if n := links(t); n != before {
		t.Errorf("%d links left behind", n-before)
	}
}

// TestSharedTracepointReleased: after a probe on a tracepoint detaches, the
// next probe there uses the shared program again (it loaded and verified
// one of its own, for ever after).
func TestSharedTracepointReleased(t *testing.T) {
	e := testEnv(t)
	req := requests(t, e, "tracepoint:syscalls:sys_enter_getppid")[0]
	for round := range 3 {
		atts, _, err := e.AttachAll([]Request{req})
		if err != nil {
			t.Fatal(err)
		}
		if len(atts[0].progs) != 0 {
			t.Errorf("round %d loaded a program of its own", round)
		}
		// A second probe on the tracepoint while the first holds the
		// shared program needs its own.
		other := req
		other.ID = 2
		second, _, err := e.AttachAll([]Request{other})
		if err != nil {
			t.Fatal(err)
		}
		if len(second[0].progs) != 1 {
			t.Errorf("round %d: the second probe shares the program", round)
		}
		if err := CloseAll(append(atts, second...)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestGroups: syscalls tracepoints go through the dispatch from
// syscallDispatchMin of one direction on; other targets stay in order.
func TestGroups(t *testing.T) {
	tp := func(name string) Request {
		return Request{Target: Target{Spec: probespec.Spec{Kind: probespec.Tracepoint}, Group: "syscalls", Func: name, syscall: syscallOf("syscalls", name)}}
	}
	var many []Request
	for name := range syscallNumbers {
		many = append(many, tp("sys_enter_"+name))
		if len(many) == syscallDispatchMin {
			break
		}
	}
	few := []Request{tp("sys_exit_read"), tp("sys_exit_write")}
	plain := Request{Target: Target{Spec: probespec.Spec{Kind: probespec.Tracepoint}, Group: "sched", Func: "sched_switch"}}
	got := (&Env{}).groups(append(append(append([]Request{plain}, few...), many...), plain))
	kinds := make([]groupKind, len(got))
	sizes := make([]int, len(got))
	for i, g := range got {
		kinds[i], sizes[i] = g.kind, len(g.reqs)
	}
	if len(got) != 4 || kinds[0] != oneByOne || sizes[0] != 1 || kinds[1] != oneByOne || sizes[1] != 2 ||
		kinds[2] != syscalls || sizes[2] != syscallDispatchMin || kinds[3] != oneByOne || sizes[3] != 1 {
		t.Errorf("groups: kinds %v sizes %v", kinds, sizes)
	}
	if single := (&Env{SingleLinks: true}).groups(many); len(single) != 1 || single[0].kind != oneByOne {
		t.Errorf("SingleLinks still groups: %+v", single)
	}
}
