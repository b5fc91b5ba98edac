package collector

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// BenchmarkPIDFilter measures, with the kernel's own accounting of BPF run
// time, what the tier-1 pid filter costs an event of a process it rejects:
// one compare ("pid"), or the compare and a miss in the traced set
// ("follow"). The two alternate every 10000 events, so both see the same
// machine.
//
//	go test -run - -bench PIDFilter ./bpf/collector
func BenchmarkPIDFilter(b *testing.B) {
	c := loadForTest(b)
	other := uint32(os.Getppid()) // any process but this one
	if err := c.Follow(other, false); err != nil {
		b.Fatal(err)
	}
	prog, err := c.Shared(Tracepoint)
	if err != nil {
		b.Fatal(err)
	}
	l, err := link.Tracepoint("syscalls", "sys_enter_getppid", prog, &link.TracepointOptions{Cookie: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err != nil {
		b.Fatal(err)
	}
	defer stats.Close()
	var spent [2]time.Duration
	var runs [2]uint64
	const batch = 10000
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		follow := (i/batch)%2 == 1
		if err := c.SetSpec(1, Spec{Emit: true, PID: other, Follow: follow}); err != nil {
			b.Fatal(err)
		}
		before, err := prog.Stats()
		if err != nil {
			b.Fatal(err)
		}
		for j := 0; j < batch; j++ {
			syscall.Getppid()
		}
		after, err := prog.Stats()
		if err != nil {
			b.Fatal(err)
		}
		k := map[bool]int{false: 0, true: 1}[follow]
		spent[k] += after.Runtime - before.Runtime
		runs[k] += after.RunCount - before.RunCount
	}
	b.StopTimer()
	for k, name := range []string{"pid", "follow"} {
		if runs[k] > 0 {
			b.ReportMetric(float64(spent[k])/float64(runs[k]), "bpf-ns/event-"+name)
		}
	}
}
