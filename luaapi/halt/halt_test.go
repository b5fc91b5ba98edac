package halt

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestRequest: a request stops the run at once and the drain later; the
// contexts say why (ErrInterrupted), and a second request changes nothing.
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
	// Coroutines derive their contexts from these: they end with them.
	child, cancel := context.WithCancel(h.Run)
	defer cancel()
	if child.Err() == nil {
		t.Error("a context derived from a stopped run is still live")
	}
}
