package collector

import (
	"encoding/binary"
	"fmt"
)

// Stamp limits (collector.h's lt_stamp_limits).
const (
	// MaxStamps is how many per-key timestamps the collector holds at
	// once, over all stamp tables (stamp.bpf.h). When they are all taken,
	// the stamp untouched longest makes room for a new one: a stamp no
	// since() reads, such as one of a thread that exited, does not hold
	// its place for ever. Stamps dropped so are counted (StampCounts).
	MaxStamps = int(collectorLtStampLimitsLT_MAX_STAMPS)
	// StampSaved is how many bytes of key parts a stamp saves.
	StampSaved = int(collectorLtStampLimitsLT_STAMP_SAVED)
	// MaxStampParts is how many key parts a stamp saves.
	MaxStampParts = int(collectorLtStampLimitsLT_MAX_STAMP_PARTS)
	// MaxStampTables is how many stamp tables a script has, numbered
	// from 1.
	MaxStampTables = int(collectorLtStampLimitsLT_MAX_STAMP_TABLES) - 1
)

// Stamp makes a probe store the current time under the value of Key in
// stamp table Table, for a CalcSince at another probe to read, with the
// key parts Saved laid out in StampSaved bytes: what the reading probe
// puts in its keys (KeyStamped) or computes with (CalcStamped).
type Stamp struct {
	// Table is the script's stamp table (1..MaxStampTables); tables
	// share the collector's MaxStamps entries.
	Table uint16
	// Key is the operand stamped under, Size its bytes (narrower values
	// are cut, and sign-extended when Signed).
	Key    Operand
	Size   uint8
	Signed bool
	// Saved are values, comm and stacks of the stamping event, at their
	// Offset in the saved bytes.
	Saved []KeyPart
}

func (s *Spec) encodeStamp(out *collectorLtSpec) error {
	st := s.Stamp
	if st == nil {
		return nil
	}
	if st.Table == 0 || int(st.Table) > MaxStampTables || !st.Key.valid(len(s.Fields), len(s.Calcs)) || st.Key == OperandImm ||
		st.Size == 0 || st.Size > 8 || len(st.Saved) > MaxStampParts {
		return fmt.Errorf("the stamp is malformed")
	}
	for j, p := range st.Saved {
		if p.Kind != KeyValue && p.Kind != KeyComm && p.Kind != KeyKernelStack && p.Kind != KeyUserStack ||
			p.Offset%8 != 0 || int(p.Offset)+p.Width() > StampSaved ||
			p.Kind == KeyValue && (!p.Operand.valid(len(s.Fields), len(s.Calcs)) || p.Operand == OperandImm) {
			return fmt.Errorf("saved part %d of the stamp is malformed", j)
		}
		if p.Kind == KeyComm {
			out.Flags |= uint32(collectorLtSpecFlagsLT_SPEC_COMM)
		}
		out.StampParts[j] = p.encode()
	}
	out.Flags |= uint32(collectorLtSpecFlagsLT_SPEC_STAMP)
	out.StampKey, out.StampSize, out.StampTable = uint8(st.Key), st.Size, st.Table
	out.StampFlags = opFlags(st.Signed, collectorLtOpfLT_OPF_A_SIGNED)
	out.StampNparts = uint8(len(st.Saved))
	return nil
}

// StampCount is what became of one stamp table's stamps.
type StampCount struct {
	// Stored counts stamps stored under a key that had none; Read those
	// a since() read; Held those still in the table. The rest of Stored
	// were dropped unread to make room for newer stamps.
	Stored, Read, Held uint64
}

// Dropped is how many stamps were dropped unread.
func (c StampCount) Dropped() uint64 {
	if c.Read+c.Held > c.Stored {
		return 0
	}
	return c.Stored - c.Read - c.Held
}

// StampCounts reads the counts of every stamp table that stored a stamp,
// by table. Read it once the probes are detached: the stamps held are
// counted by walking the table.
func (c *Collector) StampCounts() (map[uint16]StampCount, error) {
	out := map[uint16]StampCount{}
	for t := 1; t <= MaxStampTables; t++ {
		var per []collectorLtStampCounts
		if err := c.stampCounts.Lookup(uint32(t), &per); err != nil {
			return nil, fmt.Errorf("read the counts of stamp table %d: %w", t, err)
		}
		var n StampCount
		for _, p := range per {
			n.Stored += p.Stored
			n.Read += p.Read
		}
		if n.Stored > 0 {
			out[uint16(t)] = n
		}
	}
	if len(out) == 0 {
		return out, nil
	}
	key := make([]byte, c.stamps.KeySize())
	it := c.stamps.Iterate()
	for it.Next(&key, new([]byte)) {
		t := uint16(binary.NativeEndian.Uint32(key[8:12]))
		if n, ok := out[t]; ok {
			n.Held++
			out[t] = n
		}
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("count the stamps held: %w", err)
	}
	return out, nil
}
