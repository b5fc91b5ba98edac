package collector

import (
	"bytes"
	"encoding/binary"
	"os"
	"syscall"
	"testing"
	"unsafe"
)

// fakeRing is a ring over plain memory, laid out as the kernel lays out
// its pages, for records placed where a test wants them.
func fakeRing(t *testing.T, size int) *ring {
	t.Helper()
	page := os.Getpagesize()
	// Word-aligned backing, as the kernel's pages are.
	words := make([]uint64, (2*page+size)/8)
	mem := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(words)*8)
	return &ring{consumer: mem[:page], producer: mem[page:], data: mem[2*page:], mask: uintptr(size - 1)}
}

// put writes a record's header and data at position pos of r, wrapping
// around, and moves the producer past it.
func put(r *ring, pos uintptr, hdr uint32, data []byte) uintptr {
	binary.LittleEndian.PutUint32(r.data[pos&r.mask:], hdr)
	for i, b := range data {
		r.data[(pos+ringHeaderBytes+uintptr(i))&r.mask] = b
	}
	next := pos + ringHeaderBytes + (uintptr(len(data))+7)&^7
	*r.producerPos() = next
	return next
}

func TestRingRecords(t *testing.T) {
	const size = 64
	data := []byte("0123456789abcdefghij") // 20 bytes: 24 in the ring
	tests := []struct {
		name string
		at   uintptr // where the record starts (consumer position)
		hdr  uint32  // header flags
		want []byte  // nil: no record
	}{
		{"inside", 8, 0, data},
		{"ends at the end", 32, 0, data},
		{"wraps around", 48, 0, data},
		{"wraps after many laps", 5*size + 56, 0, data},
		{"being written", 48, ringBusy, nil},
		{"discarded", 48, ringDiscard, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := fakeRing(t, size)
			*r.consumerPos() = tc.at
			next := put(r, tc.at, tc.hdr|uint32(len(data)), data)
			rec, ok, err := r.next()
			if err != nil {
				t.Fatal(err)
			}
			if ok != (tc.want != nil) {
				t.Fatalf("next: ok = %v, want %v", ok, tc.want != nil)
			}
			if !ok {
				// A discarded record is consumed on the way; a busy one waits.
				wantPos := tc.at
				if tc.hdr&ringDiscard != 0 {
					wantPos = next
				}
				if got := *r.consumerPos(); got != wantPos {
					t.Errorf("consumer at %d, want %d", got, wantPos)
				}
				return
			}
			if got := r.appendData([]byte("x"), rec); !bytes.Equal(got, append([]byte("x"), tc.want...)) {
				t.Errorf("data = %q, want x%q", got, tc.want)
			}
			r.consume(rec)
			if got := *r.consumerPos(); got != next {
				t.Errorf("consumer at %d after consume, want %d", got, next)
			}
			if _, ok, err := r.next(); ok || err != nil {
				t.Errorf("after the only record: ok %v, err %v", ok, err)
			}
		})
	}
}

func TestRingTruncated(t *testing.T) {
	r := fakeRing(t, 64)
	put(r, 0, 40, make([]byte, 8)) // the header claims more than was produced
	if _, _, err := r.next(); err == nil {
		t.Error("a record longer than what was produced read without an error")
	}
}

// TestReaderWrapsAround: through a one-page ring, records of a size that
// does not divide it wrap around its end again and again, and every one
// comes out whole.
func TestReaderWrapsAround(t *testing.T) {
	page := os.Getpagesize()
	c := loadForTestWith(t, Options{RingBytes: uint32(page)})
	const rounds, perRound = 40, 5
	// This process's events only: another's getppid calls would fill the
	// small ring.
	spec := Spec{Emit: true, TracepointData: 16, PID: uint32(os.Getpid())}
	total := 0
	for range rounds {
		recs := traceGetppid(t, c, spec, perRound)
		for _, r := range recs {
			if stride := ringHeaderBytes + (len(r)+7)&^7; page%stride == 0 {
				t.Fatalf("records of %d bytes tile the ring: none wraps", len(r))
			}
			if nr := int32(le.Uint32(r.Payload()[8:])); nr != syscall.SYS_GETPPID {
				t.Fatalf("record %d: __syscall_nr = %d, want %d", total, nr, syscall.SYS_GETPPID)
			}
			total++
		}
	}
	if total != rounds*perRound {
		t.Errorf("%d records, want %d", total, rounds*perRound)
	}
}
