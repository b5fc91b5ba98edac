package unwind

import (
	"testing"

	"github.com/luatrace/luatrace/bpf/usym"
)

// TestTablesParsedAhead checks the CFI of a process's images is parsed in
// the background: after Prepare and Wait every image is parsed once and an
// unwind parses nothing more; with Stop closed and nothing parsed, an
// unwind does not wait but follows frame pointers, counting the frames
// that went without their CFI.
func TestTablesParsedAhead(t *testing.T) {
	requireLibcDebug(t)
	p, s := comparatorSample(t)
	images := map[*usym.Image]bool{}
	for _, m := range p.Mappings {
		if m.Image != nil {
			images[m.Image] = true
		}
	}

	t.Run("prepared", func(t *testing.T) {
		u := NewUnwinder()
		u.Prepare(p)
		u.Prepare(p) // queued once
		u.Wait()
		if got := u.Stats().Tables; got != len(images) {
			t.Fatalf("%d tables parsed, want one per image: %d", got, len(images))
		}
		wantQsortStack(t, p, u.Unwind(p, s, DWARF))
		if st := u.Stats(); st.Tables != len(images) || st.NotReady != 0 {
			t.Errorf("after the unwind: %+v, want %d tables and nothing unready", st, len(images))
		}
	})
	t.Run("on demand", func(t *testing.T) {
		u := NewUnwinder()
		wantQsortStack(t, p, u.Unwind(p, s, DWARF))
		if st := u.Stats(); st.Tables == 0 || st.NotReady != 0 {
			t.Errorf("%+v, want tables parsed for the unwind, nothing unready", st)
		}
	})
	t.Run("stopped", func(t *testing.T) {
		stop := make(chan struct{})
		close(stop)
		u := &Unwinder{Stop: stop}
		st := u.Unwind(p, s, DWARF)
		if len(st.Frames) == 0 || u.Stats().NotReady == 0 {
			t.Errorf("stack %v, %+v: want the leaf at least and frames counted as unwound without CFI", names(p, st), u.Stats())
		}
		u.Wait() // what the unwind queued finishes before the store closes
	})
}
