package collector

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unsafe"
)

// HeaderSize is the size of struct lt_header.
const HeaderSize = int(unsafe.Sizeof(collectorLtHeader{}))

// Where struct lt_header's fields are: the generated type's offsets,
// constants the compiler works out.
const (
	offProbeID  = unsafe.Offsetof(collectorLtHeader{}.ProbeId)
	offSize     = unsafe.Offsetof(collectorLtHeader{}.Size)
	offTS       = unsafe.Offsetof(collectorLtHeader{}.Ts)
	offPID      = unsafe.Offsetof(collectorLtHeader{}.Pid)
	offTID      = unsafe.Offsetof(collectorLtHeader{}.Tid)
	offUID      = unsafe.Offsetof(collectorLtHeader{}.Uid)
	offGID      = unsafe.Offsetof(collectorLtHeader{}.Gid)
	offCPU      = unsafe.Offsetof(collectorLtHeader{}.Cpu)
	offNArgs    = unsafe.Offsetof(collectorLtHeader{}.Nargs)
	offPayload  = unsafe.Offsetof(collectorLtHeader{}.Payload)
	offRetval   = unsafe.Offsetof(collectorLtHeader{}.Retval)
	offIP       = unsafe.Offsetof(collectorLtHeader{}.Ip)
	offComm     = unsafe.Offsetof(collectorLtHeader{}.Comm)
	offDuration = unsafe.Offsetof(collectorLtHeader{}.Duration)
	commSize    = len(collectorLtHeader{}.Comm)
)

// A captured field's framing: struct lt_field_header, its bytes, padding
// to fieldAlign.
const (
	fieldHeaderSize = int(unsafe.Sizeof(collectorLtFieldHeader{}))
	offFieldLen     = unsafe.Offsetof(collectorLtFieldHeader{}.Len)
	offFieldStatus  = unsafe.Offsetof(collectorLtFieldHeader{}.Status)
	fieldAlign      = int(collectorLtFetchLimitsLT_FIELD_ALIGN)
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
	return string(r.CommBytes())
}

// CommBytes is Comm without the copy: it lies in the record.
func (r Record) CommBytes() []byte {
	c := r[offComm : int(offComm)+commSize]
	if i := bytes.IndexByte(c, 0); i >= 0 {
		c = c[:i]
	}
	return c
}

// Payload is what follows the arguments (the raw tracepoint record).
func (r Record) Payload() []byte {
	start := HeaderSize + 8*r.NArgs()
	return r[start : start+r.payloadLen()]
}

func (r Record) payloadLen() int { return int(le.Uint16(r[offPayload:])) }

// FieldStatus says how a captured field came out.
type FieldStatus uint8

// Field statuses (enum lt_field_status).
const (
	FieldOK        = FieldStatus(collectorLtFieldStatusLT_FIELD_OK)
	FieldFault     = FieldStatus(collectorLtFieldStatusLT_FIELD_FAULT)     // a read failed
	FieldTruncated = FieldStatus(collectorLtFieldStatusLT_FIELD_TRUNCATED) // cut at its limit or the record's room
)

func (s FieldStatus) String() string {
	switch s {
	case FieldOK:
		return "ok"
	case FieldFault:
		return "fault"
	case FieldTruncated:
		return "truncated"
	}
	return fmt.Sprintf("status %d", uint8(s))
}

// FieldData is one captured field of a record.
type FieldData struct {
	Status FieldStatus
	Bytes  []byte // 8 little-endian bytes for OpValue/OpRead
}

// Value is the 64-bit value of an OpValue/OpRead field.
func (f FieldData) Value() uint64 {
	if len(f.Bytes) < 8 {
		return 0
	}
	return le.Uint64(f.Bytes)
}

// Fields splits the captured fields out of a record; n is how many the
// probe's spec asked for. Fields the record had no room for come out
// empty and truncated.
func (r Record) Fields(n int) []FieldData {
	rest := r[HeaderSize+8*r.NArgs()+r.payloadLen():]
	out := make([]FieldData, n)
	for i := range out {
		if len(rest) < fieldHeaderSize {
			out[i].Status = FieldTruncated
			continue
		}
		l := int(le.Uint16(rest[offFieldLen:]))
		status := FieldStatus(rest[offFieldStatus])
		rest = rest[fieldHeaderSize:]
		if l > len(rest) {
			out[i].Status = FieldTruncated
			rest = nil
			continue
		}
		out[i] = FieldData{Status: status, Bytes: rest[:l:l]}
		rest = rest[min((l+fieldAlign-1)&^(fieldAlign-1), len(rest)):]
	}
	return out
}
