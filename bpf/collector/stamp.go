package collector

import "fmt"

// MaxStamps is how many per-key timestamps the collector holds at once,
// over all stamp tables (stamp.bpf.h); a stamp past it is not stored and
// is counted in Stats.Unstamped of the probe that made it.
const MaxStamps = int(collectorLtStampLimitsLT_MAX_STAMPS)

// Stamp makes a probe store the current time under the value of Key in
// stamp table Table, for a CalcSince at another probe to read.
type Stamp struct {
	// Table is the script's stamp table (1..65535); tables share the
	// collector's MaxStamps entries.
	Table uint16
	// Key is the operand stamped under, Size its bytes (narrower values
	// are cut, and sign-extended when Signed).
	Key    Operand
	Size   uint8
	Signed bool
}

func (s *Spec) encodeStamp(out *collectorLtSpec) error {
	st := s.Stamp
	if st == nil {
		return nil
	}
	if st.Table == 0 || !st.Key.valid(len(s.Fields), len(s.Calcs)) || st.Key == OperandImm || st.Size == 0 || st.Size > 8 {
		return fmt.Errorf("the stamp is malformed")
	}
	out.Flags |= uint32(collectorLtSpecFlagsLT_SPEC_STAMP)
	out.StampKey, out.StampSize, out.StampTable = uint8(st.Key), st.Size, st.Table
	out.StampFlags = opFlags(st.Signed, collectorLtOpfLT_OPF_A_SIGNED)
	return nil
}
