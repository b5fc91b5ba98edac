package collector

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/cilium/ebpf/ringbuf"
)

// Reader drains the ring buffer in batches. The collector wakes it only when
// WakeupBytes are queued, so it also polls: a record waits at most Poll.
type Reader struct {
	rd *ringbuf.Reader
	// Poll bounds how long a record may sit in the ring buffer.
	Poll time.Duration
	// MaxBatch bounds how many records one delivery carries.
	MaxBatch int

	stopping atomic.Bool
}

// slabSize is the arena records of one batch are copied into: one
// allocation per batch, not per record.
const slabSize = 256 << 10

// NewReader opens the collector's ring buffer.
func (c *Collector) NewReader() (*Reader, error) {
	rd, err := ringbuf.NewReader(c.events)
	if err != nil {
		return nil, fmt.Errorf("open ring buffer: %w", err)
	}
	return &Reader{rd: rd, Poll: 10 * time.Millisecond, MaxBatch: 512}, nil
}

// Stop makes Run deliver every record already in the ring buffer and
// return. Detach the probes first, or Stop races with new records.
func (r *Reader) Stop() error {
	r.stopping.Store(true)
	return r.rd.Flush()
}

// Close releases the ring buffer; a running Run returns at once, dropping
// what it has not delivered. Use Stop first to drain.
func (r *Reader) Close() error { return r.rd.Close() }

// Run delivers batches of records until Close. Records in a batch stay
// valid after deliver returns; deliver must not block for long, as the ring
// buffer fills meanwhile (losses are counted per probe in the kernel).
func (r *Reader) Run(deliver func([]Record)) error {
	var (
		rec   ringbuf.Record
		slab  []byte
		batch []Record
	)
	flush := func() {
		if len(batch) > 0 {
			deliver(batch)
			batch = nil
		}
	}
	deadline := time.Time{}
	for {
		if deadline.IsZero() {
			deadline = time.Now().Add(r.Poll)
			r.rd.SetDeadline(deadline)
		}
		err := r.rd.ReadInto(&rec)
		switch {
		case err == nil:
			n := len(rec.RawSample)
			if cap(slab)-len(slab) < n {
				slab = make([]byte, 0, max(slabSize, n))
			}
			start := len(slab)
			slab = append(slab, rec.RawSample...)
			batch = append(batch, Record(slab[start:len(slab):len(slab)]))
			if len(batch) >= r.MaxBatch {
				flush()
			}
		case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, ringbuf.ErrFlushed):
			flush()
			deadline = time.Time{}
			if r.stopping.Load() {
				return nil
			}
		case errors.Is(err, ringbuf.ErrClosed), errors.Is(err, os.ErrClosed):
			flush()
			return nil
		default:
			flush()
			return fmt.Errorf("read ring buffer: %w", err)
		}
	}
}
