package collector

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"unsafe"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// ring is the consumer side of the BPF ring buffer, with its data pages
// mapped once. cilium/ebpf's ringbuf.Reader maps them twice, back to back
// (as libbpf does), so that a record wrapping around the end reads as one
// slice; the kernel maps every page at mmap time, so that cost twice the
// ring's size in resident memory, 16 MiB of a callback script's 32. The
// reader copies each record out anyway, so a wrapping one is copied in two
// parts instead.
type ring struct {
	consumer []byte // the consumer position's page, the one we write
	producer []byte // the producer position's page, then the data
	data     []byte
	mask     uintptr
}

// The header before each record: its length, with the busy and discard
// bits, and the page offset the kernel uses to find the ring.
const (
	ringHeaderBytes = unix.BPF_RINGBUF_HDR_SZ
	ringBusy        = unix.BPF_RINGBUF_BUSY_BIT
	ringDiscard     = unix.BPF_RINGBUF_DISCARD_BIT
)

// errRingClosed is what reading a ring after close returns.
var errRingClosed = errors.New("ring buffer closed")

// openRing maps m, a BPF_MAP_TYPE_RINGBUF, for reading.
func openRing(m *ebpf.Map) (*ring, error) {
	page := os.Getpagesize()
	size := int(m.MaxEntries())
	if size <= 0 || size&(size-1) != 0 {
		return nil, fmt.Errorf("ring buffer size %d is not a power of two", size)
	}
	consumer, err := unix.Mmap(m.FD(), 0, page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("map the consumer page: %w", err)
	}
	producer, err := unix.Mmap(m.FD(), int64(page), page+size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		unix.Munmap(consumer)
		return nil, fmt.Errorf("map the data pages: %w", err)
	}
	return &ring{consumer: consumer, producer: producer, data: producer[page:], mask: uintptr(size - 1)}, nil
}

// close unmaps the ring; nothing may read it after.
func (r *ring) close() error {
	return errors.Join(unix.Munmap(r.producer), unix.Munmap(r.consumer))
}

// The positions are unsigned longs the kernel updates under us.
func (r *ring) consumerPos() *uintptr { return (*uintptr)(unsafe.Pointer(&r.consumer[0])) }
func (r *ring) producerPos() *uintptr { return (*uintptr)(unsafe.Pointer(&r.producer[0])) }

// ringRecord is a committed record: where its data starts and ends, as
// positions in the ring (not yet masked), and where the next header is.
type ringRecord struct {
	start, end, next uintptr
}

// len is the record's length in bytes.
func (rec ringRecord) len() int { return int(rec.end - rec.start) }

// next returns the next committed record; ok is false when there is none
// yet (the ring is empty, or its next record is still being written).
// Discarded records are consumed on the way. Consume the record once it
// is copied out.
func (r *ring) next() (rec ringRecord, ok bool, err error) {
	prod := atomic.LoadUintptr(r.producerPos())
	cons := atomic.LoadUintptr(r.consumerPos())
	for {
		switch left := prod - cons; {
		case left == 0:
			return ringRecord{}, false, nil
		case left < ringHeaderBytes:
			return ringRecord{}, false, fmt.Errorf("read record header: %w", io.ErrUnexpectedEOF)
		}
		// Headers are 8-byte aligned, so one never wraps. Reading the
		// length atomically orders it before the kernel's commit (an
		// xchg): the data is visible once the busy bit is clear.
		hdr := atomic.LoadUint32((*uint32)(unsafe.Pointer(&r.data[cons&r.mask])))
		if hdr&ringBusy != 0 {
			return ringRecord{}, false, nil
		}
		n := uintptr(hdr &^ (ringBusy | ringDiscard))
		start := cons + ringHeaderBytes
		next := start + (n+7)&^7
		if next-cons > prod-cons {
			return ringRecord{}, false, fmt.Errorf("read record data: %w", io.ErrUnexpectedEOF)
		}
		if hdr&ringDiscard == 0 {
			return ringRecord{start: start, end: start + n, next: next}, true, nil
		}
		atomic.StoreUintptr(r.consumerPos(), next)
		cons = next
	}
}

// appendData appends rec's bytes to dst, in two parts if it wraps around
// the end of the ring.
func (r *ring) appendData(dst []byte, rec ringRecord) []byte {
	at, end := rec.start&r.mask, uintptr(len(r.data))
	if n := uintptr(rec.len()); at+n <= end {
		return append(dst, r.data[at:at+n]...)
	}
	dst = append(dst, r.data[at:]...)
	return append(dst, r.data[:rec.end&r.mask]...)
}

// consume gives rec's space back to the kernel.
func (r *ring) consume(rec ringRecord) {
	atomic.StoreUintptr(r.consumerPos(), rec.next)
}
