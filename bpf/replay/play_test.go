package replay

import (
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/internal/cputime"
	"github.com/luatrace/luatrace/bpf/internal/synthetic"
	"github.com/luatrace/luatrace/bpf/recording"
)

// record writes recs after one probe description, rotating every few
// blocks so that replays cross files.
func record(tb testing.TB, recs []collector.Record) string {
	tb.Helper()
	return recordWith(tb, recs, recording.Options{MaxSize: 64 << 10, FlushBytes: 16 << 10})
}

func recordWith(tb testing.TB, recs []collector.Record, opts recording.Options) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "rec")
	h, err := recording.HostHeader("test")
	if err != nil {
		tb.Fatal(err)
	}
	h.StartMonotonic = synthetic.Start
	w, err := recording.Create(path, h, opts)
	if err != nil {
		tb.Fatal(err)
	}
	for id := uint32(1); id <= 4; id++ {
		if err := w.AddProbe(recording.Probe{ID: id, Spec: "tracepoint:syscalls:sys_enter_openat", Program: "tracepoint", Args: 3, Fetches: 1}); err != nil {
			tb.Fatal(err)
		}
	}
	for i := 0; i < len(recs); i += 64 {
		if err := w.WriteRecords(recs[i:min(i+64, len(recs))]); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// logger is a Handler that notes what it got, ticks included.
type logger struct {
	log    []string
	recs   []collector.Record
	stopAt int
}

func (l *logger) Record(rec collector.Record) bool {
	l.recs = append(l.recs, rec)
	l.log = append(l.log, "rec")
	return l.stopAt == 0 || len(l.recs) < l.stopAt
}

func (l *logger) Item(kind recording.Kind, item any) bool {
	l.log = append(l.log, kind.String())
	return true
}

// TestPlay: records arrive in recorded order, each after the ticks due
// before it; probe descriptions before the records; ticks after the
// last record fire when the clock is advanced to the end.
func TestPlay(t *testing.T) {
	recs := synthetic.Records(5000, 4, 21)
	s, err := recording.OpenSeries(record(t, recs))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	clock := NewClock(s.Header().StartMonotonic)
	h := &logger{}
	const period = 10 * time.Millisecond
	var ticks []uint64
	clock.Every(period, func(at uint64) {
		ticks = append(ticks, at)
		h.log = append(h.log, "tick")
	})
	played, err := Play(s, clock, h)
	if err != nil {
		t.Fatal(err)
	}
	if played.Records != uint64(len(recs)) || played.Items != 4 || played.Last != recs[len(recs)-1].Timestamp() {
		t.Errorf("played %+v", played)
	}
	if !reflect.DeepEqual(h.recs, recs) {
		t.Fatalf("replayed %d records, want the %d recorded in order", len(h.recs), len(recs))
	}
	if first := h.log[:4]; !reflect.DeepEqual(first, []string{"probe", "probe", "probe", "probe"}) {
		t.Errorf("replay starts %v, want the probe descriptions", first)
	}
	// Each tick lies between the record before it and the one after.
	ri, ti := 0, 0
	var prev uint64
	for _, what := range h.log {
		switch what {
		case "rec":
			if ti > 0 && recs[ri].Timestamp() < ticks[ti-1] {
				t.Fatalf("record at %d came after the tick at %d", recs[ri].Timestamp(), ticks[ti-1])
			}
			prev = recs[ri].Timestamp()
			ri++
		case "tick":
			if ticks[ti] <= prev && ri > 0 {
				t.Fatalf("tick at %d came after a record at %d", ticks[ti], prev)
			}
			ti++
		}
	}
	span := played.Last - synthetic.Start
	if want := span / uint64(period); uint64(len(ticks)) != want {
		t.Errorf("%d ticks over %d ns of records, want %d", len(ticks), span, want)
	}
	clock.Advance(played.Last + uint64(3*period))
	if want := (played.Last + uint64(3*period) - synthetic.Start) / uint64(period); uint64(len(ticks)) != want {
		t.Errorf("%d ticks after advancing past the end, want %d", len(ticks), want)
	}
}

// TestPlayStops: a handler and a halted clock end the replay early.
func TestPlayStops(t *testing.T) {
	recs := synthetic.Records(1000, 4, 22)
	path := record(t, recs)
	tests := []struct {
		name string
		run  func(s *recording.Series) (Played, error)
		want uint64
	}{
		{"handler", func(s *recording.Series) (Played, error) {
			return Play(s, NewClock(synthetic.Start), &logger{stopAt: 10})
		}, 10},
		{"halt", func(s *recording.Series) (Played, error) {
			c := NewClock(synthetic.Start)
			c.After(time.Duration(recs[99].Timestamp()-synthetic.Start), func(uint64) { c.Halt() })
			return Play(s, c, &logger{})
		}, 99},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := recording.OpenSeries(path)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			p, err := tc.run(s)
			if err != nil || p.Records != tc.want {
				t.Errorf("played %+v, %v; want %d records", p, err, tc.want)
			}
		})
	}
}

// counter is the trivial consumer of the benchmark.
type counter struct{ n, sum uint64 }

func (c *counter) Record(rec collector.Record) bool { c.n++; c.sum += uint64(rec.PID()); return true }
func (c *counter) Item(recording.Kind, any) bool    { return true }

// BenchmarkPlay measures a replay end to end: files of 4 MiB read and
// decompressed, records checked, a 1 ms interval timer, and a consumer
// that reads one field of each record.
func BenchmarkPlay(b *testing.B) {
	const n = 1 << 20
	recs := synthetic.Records(n, 4, 23)
	path := recordWith(b, recs, recording.Options{MaxSize: 4 << 20})
	recs = nil
	runtime.GC() // the setup's garbage is not the replay's
	b.ResetTimer()
	cpu := cputime.Used()
	var c counter
	for played := 0; played < b.N; {
		s, err := recording.OpenSeries(path)
		if err != nil {
			b.Fatal(err)
		}
		clock := NewClock(synthetic.Start)
		clock.Every(time.Millisecond, func(uint64) {})
		p, err := Play(s, clock, &c)
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
		played += int(p.Records)
	}
	b.ReportMetric(float64(c.n)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(cputime.Used()-cpu)/float64(c.n), "cpu-ns/event")
}
