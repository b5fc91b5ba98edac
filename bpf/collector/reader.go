package collector

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Reader drains the ring buffer in batches, on a timer: every Poll it
// reads all that is queued, and it reads again at once while batches come
// back full. It does not block in the ring buffer's epoll, because that
// poll is level-triggered: when luatrace traces its own system calls,
// each wait would produce the event that ends the next one, and the
// reader would spin (measured: tens of thousands of extra syscalls a
// second under a raw_syscalls probe).
type Reader struct {
	// mu guards ring: Close unmaps it while no drain reads it.
	mu   sync.Mutex
	ring *ring
	// Poll bounds how long a record may sit in the ring buffer.
	Poll time.Duration
	// MaxBatch bounds how many records one delivery carries.
	MaxBatch int

	stopOnce sync.Once
	stop     chan struct{}
}

// slabSize is the arena records are copied into: one allocation per
// several batches, not per record. A batch stops at a quarter of it
// (maxBatchBytes), so that few batches straddle two slabs: a kept batch
// pins the slabs it lies in, and straddling ones pinned twice their size
// (a flood behind a slow callback held 3 to 4 times the queue's bytes).
const (
	slabSize      = 256 << 10
	maxBatchBytes = slabSize / 4
)

// NewReader opens the collector's ring buffer, creating it if no program
// has yet.
func (c *Collector) NewReader() (*Reader, error) {
	if err := c.need(collectorMapEvents); err != nil {
		return nil, err
	}
	rg, err := openRing(c.events)
	if err != nil {
		return nil, fmt.Errorf("open ring buffer: %w", err)
	}
	return &Reader{ring: rg, Poll: 10 * time.Millisecond, MaxBatch: 512, stop: make(chan struct{})}, nil
}

// Stop makes Run deliver every record already in the ring buffer and
// return. Detach the probes first, or Stop races with new records.
func (r *Reader) Stop() error {
	r.stopOnce.Do(func() { close(r.stop) })
	return nil
}

// Close releases the ring buffer; a running Run returns at its next read,
// dropping what it has not delivered. Use Stop first to drain.
func (r *Reader) Close() error {
	r.Stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ring == nil {
		return nil
	}
	err := r.ring.close()
	r.ring = nil
	return err
}

// Run delivers batches of records until Stop or Close. deliver returns
// whether it kept the batch: the records of a kept batch stay valid after
// deliver returns; the memory of a batch it did not keep is reused at once,
// so a consumer that drops most of a flood pins no more memory than what
// it kept. deliver must not block for long, as the ring buffer fills
// meanwhile (losses are counted per probe in the kernel).
func (r *Reader) Run(deliver func([]Record) (kept bool)) error {
	var (
		slab  []byte
		batch []Record
		start int // where the batch begins in slab
		bytes int // in the batch
	)
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if deliver(batch) {
			batch = nil
		} else {
			batch, slab = batch[:0], slab[:start]
		}
		start, bytes = len(slab), 0
	}
	// drain reads what is queued now, without waiting; it reports whether
	// it filled at least one batch, i.e. whether more is likely queued.
	drain := func() (full bool, err error) {
		defer flush()
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.ring == nil {
			return false, errRingClosed
		}
		for {
			rec, ok, err := r.ring.next()
			if err != nil {
				return false, fmt.Errorf("read ring buffer: %w", err)
			}
			if !ok {
				return full, nil // empty, or a record still being written: next round
			}
			n := rec.len()
			if cap(slab)-len(slab) < n {
				// A batch may span two slabs; what it holds of the new
				// one starts at 0, which is where a rewind goes.
				slab, start = make([]byte, 0, max(slabSize, n)), 0
			}
			at := len(slab)
			slab = r.ring.appendData(slab, rec)
			r.ring.consume(rec)
			if batch == nil {
				// Room for a burst; a flood's batches grow past it by
				// doubling. MaxBatch at once was 12 KiB of garbage for
				// every lone record (RSS grew 20 KiB per probe attached
				// and detached in TestAttachDetachLoop).
				batch = make([]Record, 0, min(r.MaxBatch, 64))
			}
			batch = append(batch, Record(slab[at:len(slab):len(slab)]))
			if bytes += n; len(batch) >= r.MaxBatch || bytes >= maxBatchBytes {
				flush()
				full = true
			}
		}
	}
	timer := time.NewTimer(r.Poll)
	defer timer.Stop()
	for {
		full, err := drain()
		if errors.Is(err, errRingClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		if full {
			continue
		}
		timer.Reset(r.Poll)
		select {
		case <-timer.C:
		case <-r.stop:
			// Probes are detached: what is queued now is all there will be.
			for {
				full, err := drain()
				if err != nil && !errors.Is(err, errRingClosed) {
					return err
				}
				if !full || err != nil {
					return nil
				}
			}
		}
	}
}
