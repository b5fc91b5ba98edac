package recording

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/internal/cputime"
	"github.com/luatrace/luatrace/bpf/internal/synthetic"
)

// benchRecords are realistic records (80-byte header, three arguments, a
// short path) cycled through by the benchmarks.
var benchRecords = synthetic.Records(1<<16, 4, 11)

// BenchmarkWrite measures the writer per record, delivered in batches of
// 64 as the ring-buffer reader delivers them, and reports the file's
// bytes per event and the compression ratio.
func BenchmarkWrite(b *testing.B) {
	for _, bc := range []struct {
		name  string
		level zstd.EncoderLevel
		flush int
	}{
		{"fastest/1MiB", zstd.SpeedFastest, 1 << 20},
		{"default/1MiB", zstd.SpeedDefault, 1 << 20},
		{"fastest/64KiB", zstd.SpeedFastest, 64 << 10},
	} {
		b.Run(bc.name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "rec")
			h, err := HostHeader("bench")
			if err != nil {
				b.Fatal(err)
			}
			w, err := Create(path, h, Options{Level: bc.level, FlushBytes: bc.flush})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			cpu := cputime.Used()
			for i := 0; i < b.N; i += 64 {
				at := i % len(benchRecords)
				n := min(64, b.N-i, len(benchRecords)-at)
				if err := w.WriteRecords(benchRecords[at : at+n]); err != nil {
					b.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			st := w.Stats()
			b.ReportMetric(float64(st.FileBytes)/float64(b.N), "file-B/event")
			b.ReportMetric(float64(st.RawBytes)/float64(st.FileBytes), "ratio")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(cputime.Used()-cpu)/float64(b.N), "cpu-ns/event")
		})
	}
}

// BenchmarkRead measures reading records back, with a consumer that
// reads the timestamp of each.
func BenchmarkRead(b *testing.B) {
	path := filepath.Join(b.TempDir(), "rec")
	h, err := HostHeader("bench")
	if err != nil {
		b.Fatal(err)
	}
	w, err := Create(path, h, Options{})
	if err != nil {
		b.Fatal(err)
	}
	const n = 1 << 18
	for i := 0; i < n; i += len(benchRecords) {
		if err := w.WriteRecords(benchRecords); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	runtime.GC() // the setup's garbage is not the reader's
	b.ResetTimer()
	cpu := cputime.Used()
	var sum uint64
	for read := 0; read < b.N; {
		r, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		for read < b.N && r.Next() {
			if r.Kind() == KindEvents {
				sum += consume(r.Record())
				read++
			}
		}
		if err := r.Err(); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(cputime.Used()-cpu)/float64(b.N), "cpu-ns/event")
	if sum == 0 {
		b.Fatal("no timestamps read")
	}
}

func consume(r collector.Record) uint64 { return r.Timestamp() }
