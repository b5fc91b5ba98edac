package collector

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// HeaderSize is the size of struct lt_header.
const HeaderSize = 80

// Offsets of struct lt_header fields (collector.h asserts the size).
const (
	offProbeID  = 0
	offSize     = 4
	offTS       = 8
	offPID      = 16
	offTID      = 20
	offUID      = 24
	offGID      = 28
	offCPU      = 32
	offNArgs    = 36
	offPayload  = 38
	offRetval   = 40
	offIP       = 48
	offComm     = 56
	offDuration = 72
)

// Record is one event as the collector sent it: the header, the arguments
// and the payload. Accessors decode on demand so a callback that reads two
// fields pays for two.
type Record []byte

var le = binary.LittleEndian

// Check validates the record's framing; accessors assume it passed.
func (r Record) Check() error {
	if len(r) < HeaderSize {
		return fmt.Errorf("record of %d bytes is shorter than its %d-byte header", len(r), HeaderSize)
	}
	// Captured fields follow the payload, so the layout is a lower bound.
	want := HeaderSize + 8*int(r.NArgs()) + r.payloadLen()
	if int(le.Uint32(r[offSize:])) != len(r) || want > len(r) {
		return fmt.Errorf("record of %d bytes claims size %d and layout %d", len(r), le.Uint32(r[offSize:]), want)
	}
	return nil
}

// ProbeID is the probe that produced the record.
func (r Record) ProbeID() uint32 { return le.Uint32(r[offProbeID:]) }

// Timestamp is CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns).
func (r Record) Timestamp() uint64 { return le.Uint64(r[offTS:]) }

// PID is the process (thread group) id.
func (r Record) PID() uint32 { return le.Uint32(r[offPID:]) }

// TID is the thread id.
func (r Record) TID() uint32 { return le.Uint32(r[offTID:]) }

// UID is the task's user id.
func (r Record) UID() uint32 { return le.Uint32(r[offUID:]) }

// GID is the task's group id.
func (r Record) GID() uint32 { return le.Uint32(r[offGID:]) }

// CPU is the processor the probe fired on.
func (r Record) CPU() uint32 { return le.Uint32(r[offCPU:]) }

// NArgs is how many arguments the record carries.
func (r Record) NArgs() int { return int(le.Uint16(r[offNArgs:])) }

// Arg returns argument i, and false when the record does not carry it.
func (r Record) Arg(i int) (uint64, bool) {
	if i < 0 || i >= r.NArgs() {
		return 0, false
	}
	return le.Uint64(r[HeaderSize+8*i:]), true
}

// Retval is the return value for return probes, else 0.
func (r Record) Retval() uint64 { return le.Uint64(r[offRetval:]) }

// IP is the sampled instruction pointer for perf_event probes, else 0.
func (r Record) IP() uint64 { return le.Uint64(r[offIP:]) }

// Duration is, for a paired return probe, the nanoseconds since the
// matching entry (0 when the entry was not seen).
func (r Record) Duration() uint64 { return le.Uint64(r[offDuration:]) }

// Comm is the task's command name.
func (r Record) Comm() string {
	c := r[offComm : offComm+16]
	if i := bytes.IndexByte(c, 0); i >= 0 {
		c = c[:i]
	}
	return string(c)
}

// Payload is what follows the arguments (the raw tracepoint record).
func (r Record) Payload() []byte {
	start := HeaderSize + 8*r.NArgs()
	return r[start : start+r.payloadLen()]
}

func (r Record) payloadLen() int { return int(le.Uint16(r[offPayload:])) }
