package repl

import (
	"fmt"
	"io"
	"sync"
)

// QueueBytes bounds the output probes may produce while the prompt is
// open; more is dropped and counted.
const QueueBytes = 1 << 20

// Sink is where script output goes in the REPL: straight to the
// terminal while a line runs or in follow mode, into a bounded queue while
// the prompt is open (the line editor owns the terminal then).
type Sink struct {
	mu      sync.Mutex
	w       io.Writer
	queuing bool
	queue   []byte
	dropped int
}

// NewSink returns a sink writing through to w.
func NewSink(w io.Writer) *Sink { return &Sink{w: w} }

// Write writes b through, or queues it while the prompt is open.
func (s *Sink) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.queuing {
		return s.w.Write(b)
	}
	room := QueueBytes - len(s.queue)
	if room < len(b) {
		s.dropped += len(b) - max(room, 0)
		b = b[:max(room, 0)]
	}
	s.queue = append(s.queue, b...)
	return len(b), nil
}

// SetQueuing switches between queueing and writing through.
func (s *Sink) SetQueuing(on bool) {
	s.mu.Lock()
	s.queuing = on
	s.mu.Unlock()
}

// Drain writes what was queued, framed so it is not mistaken for the
// result of the line just typed, and reports drops.
func (s *Sink) Drain() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 && s.dropped == 0 {
		return
	}
	fmt.Fprintf(s.w, "--- probe output ---\n")
	s.w.Write(s.queue)
	if n := len(s.queue); n > 0 && s.queue[n-1] != '\n' {
		s.w.Write([]byte("\n"))
	}
	if s.dropped > 0 {
		fmt.Fprintf(s.w, "--- %d bytes of probe output dropped: more than %d KiB queued while the prompt was open (use :follow to stream) ---\n", s.dropped, QueueBytes>>10)
	}
	fmt.Fprintf(s.w, "---\n")
	s.queue, s.dropped = s.queue[:0], 0
}
