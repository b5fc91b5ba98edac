package collector

import "fmt"

// Aggregation limits (collector.h's lt_agg_limits).
const (
	// MaxAggs is how many maps one probe feeds.
	MaxAggs = int(collectorLtAggLimitsLT_MAX_AGGS)
	// MaxKeyParts is the most parts of one composite key.
	MaxKeyParts = int(collectorLtAggLimitsLT_MAX_KEY_PARTS)
	// MaxMaps is the most in-kernel maps per key size.
	MaxMaps = int(collectorLtAggLimitsLT_MAX_MAPS)
	// SmallKey and LargeKey are the two key sizes, histogram bucket
	// (the last 8 bytes) included.
	SmallKey = int(collectorLtAggLimitsLT_KEY_SMALL)
	LargeKey = int(collectorLtAggLimitsLT_KEY_LARGE)
	// MaxKeyBytes is the widest string part of a key.
	MaxKeyBytes = int(collectorLtAggLimitsLT_MAX_KEY_BYTES)
)

// AggKind is how a map aggregates its values.
type AggKind uint8

// Aggregation kinds (enum lt_agg_kind): Stats keeps count, sum, min and
// max of the value (count, sum, min, max, avg and stats maps); the
// histograms count values per bucket.
const (
	AggStats      = AggKind(collectorLtAggKindLT_AGG_STATS)
	AggHist       = AggKind(collectorLtAggKindLT_AGG_HIST)
	AggLinearHist = AggKind(collectorLtAggKindLT_AGG_LHIST)
)

// KeyKind is what a key part holds.
type KeyKind uint8

// Key part kinds (enum lt_key_kind).
const (
	KeyValue       = KeyKind(collectorLtKeyKindLT_KEY_VALUE)  // an operand, 8 bytes
	KeyComm        = KeyKind(collectorLtKeyKindLT_KEY_COMM)   // the task command, 16 bytes
	KeyBytes       = KeyKind(collectorLtKeyKindLT_KEY_BYTES)  // a captured string field, Size bytes zero-padded
	KeyKernelStack = KeyKind(collectorLtKeyKindLT_KEY_KSTACK) // a stack id, 8 bytes
	KeyUserStack   = KeyKind(collectorLtKeyKindLT_KEY_USTACK)
	// KeyStamped: Size bytes (8, or 16 for a comm) that a stamp saved,
	// from byte From of what the CalcSince in slot Operand read.
	KeyStamped = KeyKind(collectorLtKeyKindLT_KEY_STAMPED)
)

// KeyPart is one part of a composite key, at Offset bytes into it.
type KeyPart struct {
	Kind    KeyKind
	Operand Operand // KeyValue: the value; KeyBytes: the field index; KeyStamped: the CalcSince's slot
	Size    uint8   // KeyValue: operand bytes; KeyBytes, KeyStamped: width
	Signed  bool    // KeyValue: sign-extend a narrow value
	Offset  uint8
	From    uint8 // KeyStamped: where the part starts in the stamp's saved bytes
}

func (p KeyPart) encode() collectorLtKeyPart {
	return collectorLtKeyPart{Kind: uint8(p.Kind), Operand: uint8(p.Operand), Size: p.Size, Offset: p.Offset, From: p.From,
		Flags: opFlags(p.Signed, collectorLtOpfLT_OPF_A_SIGNED)}
}

// Width is the bytes the part takes in a key.
func (p KeyPart) Width() int {
	switch p.Kind {
	case KeyComm:
		return commSize
	case KeyBytes, KeyStamped:
		return int(p.Size)
	}
	return 8
}

// Agg is one map a probe updates: the key built from Parts, the value from
// Value (OperandOne for a count).
type Agg struct {
	Map         *AggMap
	Kind        AggKind
	Parts       []KeyPart
	Value       Operand
	ValueSize   uint8
	ValueSigned bool
	// Linear histograms: buckets of Step from Min to Max.
	Min, Max, Step int64
}

func (s *Spec) encodeAggs(out *collectorLtSpec) error {
	if len(s.Aggs) > MaxAggs {
		return fmt.Errorf("a probe feeds at most %d maps, not %d", MaxAggs, len(s.Aggs))
	}
	out.Naggs = uint8(len(s.Aggs))
	for i, a := range s.Aggs {
		if a.Map == nil || len(a.Parts) > MaxKeyParts || !a.Value.valid(len(s.Fields), len(s.Calcs)) || a.Value == OperandImm {
			return fmt.Errorf("map update %d is malformed", i)
		}
		if a.Kind == AggLinearHist && (a.Step <= 0 || a.Max <= a.Min) {
			return fmt.Errorf("linear histogram needs min < max and step > 0")
		}
		keySize := a.Map.KeySize()
		o := &out.Aggs[i]
		*o = collectorLtAgg{
			Map: a.Map.slot, Kind: uint8(a.Kind), Nparts: uint8(len(a.Parts)), Value: uint8(a.Value), ValueSize: a.ValueSize,
			ValueFlags: opFlags(a.ValueSigned, collectorLtOpfLT_OPF_A_SIGNED), Lmin: a.Min, Lmax: a.Max, Lstep: a.Step,
		}
		if a.Map.large {
			o.Large = 1
		}
		for j, p := range a.Parts {
			// Parts start at multiples of 8 and end before the bucket.
			if p.Offset%8 != 0 || int(p.Offset)+p.Width() > keySize-8 ||
				p.Kind == KeyBytes && (p.Size == 0 || int(p.Size) > MaxKeyBytes || int(p.Operand) >= len(s.Fields)) ||
				p.Kind == KeyValue && (!p.Operand.valid(len(s.Fields), len(s.Calcs)) || p.Operand == OperandImm) ||
				p.Kind == KeyStamped && (!s.readsStamp(p.Operand, len(s.Calcs)) || p.Size != 8 && p.Size != 16 || p.From%8 != 0 || int(p.From)+int(p.Size) > StampSaved) ||
				p.Kind < KeyValue || p.Kind > KeyStamped {
				return fmt.Errorf("key part %d of map update %d is malformed", j, i)
			}
			if p.Kind == KeyComm {
				out.Flags |= uint32(collectorLtSpecFlagsLT_SPEC_COMM)
			}
			o.Parts[j] = p.encode()
		}
	}
	return nil
}
