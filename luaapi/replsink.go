package luaapi

import (
	"fmt"
	"io"
	"sync"
)

// ReplQueueBytes bounds the output probes may produce while the prompt is
// open; more is dropped and counted.
const ReplQueueBytes = 1 << 20

// replSink is where script output goes in the REPL: straight to the
// terminal while a line runs or in follow mode, into a bounded queue while
// the prompt is open (the line editor owns the terminal then).
type replSink struct {
	mu      sync.Mutex
	w       io.Writer
	queuing bool
	queue   []byte
	dropped int
}

func (s *replSink) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.queuing {
		return s.w.Write(b)
	}
	room := ReplQueueBytes - len(s.queue)
	if room < len(b) {
		s.dropped += len(b) - max(room, 0)
		b = b[:max(room, 0)]
	}
	s.queue = append(s.queue, b...)
	return len(b), nil
}

// setQueuing switches between queueing and writing through.
func (s *replSink) setQueuing(on bool) {
	s.mu.Lock()
	s.queuing = on
	s.mu.Unlock()
}

// drain writes what was queued, framed so it is not mistaken for the
// result of the line just typed, and reports drops.
func (s *replSink) drain() {
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
		fmt.Fprintf(s.w, "--- %d bytes of probe output dropped: more than %d KiB queued while the prompt was open (use :follow to stream) ---\n", s.dropped, ReplQueueBytes>>10)
	}
	fmt.Fprintf(s.w, "---\n")
	s.queue, s.dropped = s.queue[:0], 0
}
