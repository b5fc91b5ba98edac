package halt

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestRequest: a request stops the run at once, the drain later and END
// last; the contexts say why (ErrInterrupted, ErrEndCut), and a second
// request changes nothing.
func TestRequest(t *testing.T) {
	h := New()
	if h.Run.Over() || h.Drain.Over() || h.Run.Err() != nil {
		t.Fatal("a new halt is already over")
	}
	h.Request()
	if !h.Run.Over() || !errors.Is(h.Run.Err(), ErrInterrupted) {
		t.Fatalf("after Request: run over %v, err %v", h.Run.Over(), h.Run.Err())
	}
	h.Request() // once only: no second timer, no panic on a closed context
	select {
	case <-h.Drain.Done():
	case <-time.After(10 * StopGrace):
		t.Fatal("the drain never ended")
	}
	if !errors.Is(h.Drain.Err(), ErrInterrupted) {
		t.Errorf("drain err %v", h.Drain.Err())
	}
	// END outlasts the drain, then is cut with its own error.
	if h.End.Over() {
		t.Fatal("END was cut with the drain")
	}
	select {
	case <-h.End.Done():
	case <-time.After(2 * EndDeadline):
		t.Fatal("END was never cut")
	}
	if !errors.Is(h.End.Err(), ErrEndCut) {
		t.Errorf("END err %v", h.End.Err())
	}
	// Coroutines derive their contexts from these: they end with them.
	child, cancel := context.WithCancel(h.Run)
	defer cancel()
	if child.Err() == nil {
		t.Error("a context derived from a stopped run is still live")
	}
}
