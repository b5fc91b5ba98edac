package unwind

import (
	"testing"

	"github.com/luatrace/luatrace/bpf/usym"
)

// comparatorSample stops the eh_frame variant four instructions into its
// comparator and returns its snapshot (closed with the test) and sample.
func comparatorSample(tb testing.TB) (*usym.Process, *Sample) {
	tb.Helper()
	bin := buildQsort(tb, variants[0].flags...)
	tr := startTracee(tb, bin, "600000")
	tr.stopIn(tr.addr(bin, "cmp"), 4)
	s := tr.capture(DefaultStackSize)
	store := usym.NewStore(usym.Config{})
	tb.Cleanup(func() { store.Close() })
	p, err := store.Snapshot(tr.pid)
	if err != nil {
		tb.Fatal(err)
	}
	return p, s
}

// BenchmarkUnwind unwinds one sample taken in qsort's comparator (about
// 15 frames through libc's CFI): cold parses the CFI of every image first,
// as luatrace's first stack of a process did before it parsed them when
// the process was announced; prepared is that first stack with the CFI
// parsed ahead (Prepare), its rows not computed yet; warm has both cached.
func BenchmarkUnwind(b *testing.B) {
	p, s := comparatorSample(b)
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			NewUnwinder().Unwind(p, s, DWARF)
		}
	})
	b.Run("prepared", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			u := NewUnwinder()
			u.Prepare(p)
			u.Wait()
			b.StartTimer()
			u.Unwind(p, s, DWARF)
		}
	})
	b.Run("warm", func(b *testing.B) {
		u := NewUnwinder()
		u.Unwind(p, s, DWARF)
		for b.Loop() {
			if st := u.Unwind(p, s, DWARF); len(st.Frames) < 5 {
				b.Fatalf("%d frames", len(st.Frames))
			}
		}
	})
}
