package output

import (
	"errors"
	"io"
	"sync"
	"time"
)

// ErrStalled is what writes return once output to a reader that stopped
// reading (a full pipe) was given up after a stop.
var ErrStalled = errors.New("the output's reader stopped reading; output after the stop was dropped")

// StallGrace is how long a write may still take after the stop before it
// is given up: a reader that is reading takes a write at once.
const StallGrace = 250 * time.Millisecond

// stallable is a writer whose writes can be abandoned.
type stallable struct {
	w    io.Writer
	stop <-chan struct{}

	mu      sync.Mutex
	started bool
	stalled bool
	reqs    chan []byte
	results chan result
	buf     []byte // what the writer goroutine writes; reused once written
}

type result struct {
	n   int
	err error
}

// Stallable wraps w so that a write blocked on a stalled reader cannot
// hold the caller forever: once stop is closed, a write that does not
// finish within StallGrace is abandoned, and it and every later write
// fail with ErrStalled. Until then writes block as long as w does (a slow
// reader slows the writer down, as it should). The blocked write itself
// stays on a goroutine of its own until the process exits. Safe for
// concurrent use.
func Stallable(w io.Writer, stop <-chan struct{}) io.Writer {
	return &stallable{w: w, stop: stop}
}

func (s *stallable) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stalled {
		return 0, ErrStalled
	}
	if !s.started {
		s.started = true
		s.reqs, s.results = make(chan []byte), make(chan result, 1)
		go s.run()
	}
	// A copy: the caller may reuse b once Write returns, even when the
	// abandoned write still holds it.
	s.buf = append(s.buf[:0], b...)
	s.reqs <- s.buf
	select {
	case r := <-s.results:
		return r.n, r.err
	case <-s.stop:
	}
	grace := time.NewTimer(StallGrace)
	defer grace.Stop()
	select {
	case r := <-s.results:
		return r.n, r.err
	case <-grace.C:
		s.stalled = true
		return 0, ErrStalled
	}
}

// run performs the writes; it is idle between them, so a request is
// taken at once.
func (s *stallable) run() {
	for b := range s.reqs {
		n, err := s.w.Write(b)
		s.results <- result{n, err}
	}
}
