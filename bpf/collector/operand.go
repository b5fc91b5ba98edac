package collector

// Operand names a value for clauses, computed values and map keys: a
// captured field (0..MaxFields-1), a header value (PID..Cgroup are known
// before anything is fetched and filter first), a computed slot
// (Slot(i)) or a constant.
type Operand uint8

// Header and constant operands (enum lt_operand).
const (
	OperandPID      = Operand(collectorLtOperandLT_OPND_PID)
	OperandTID      = Operand(collectorLtOperandLT_OPND_TID)
	OperandUID      = Operand(collectorLtOperandLT_OPND_UID)
	OperandGID      = Operand(collectorLtOperandLT_OPND_GID)
	OperandCPU      = Operand(collectorLtOperandLT_OPND_CPU)
	OperandCgroup   = Operand(collectorLtOperandLT_OPND_CGROUP)
	OperandNsecs    = Operand(collectorLtOperandLT_OPND_NSECS)
	OperandDuration = Operand(collectorLtOperandLT_OPND_DURATION)
	OperandRetval   = Operand(collectorLtOperandLT_OPND_RETVAL)
	OperandOne      = Operand(collectorLtOperandLT_OPND_ONE)  // the constant 1
	OperandImm      = Operand(collectorLtOperandLT_OPND_IMM)  // a Calc's Imm
	OperandComm     = Operand(collectorLtOperandLT_OPND_COMM) // the task command: CalcStrEq's A only
	// operandSlot0 is computed slot 0's operand.
	operandSlot0 = Operand(collectorLtOperandLT_OPND_SLOT0)
)

// Slot is the operand of computed slot i (0..MaxCalcs-1).
func Slot(i int) Operand { return operandSlot0 + Operand(i) }

// valid reports whether o names a value a spec with nfields fields and
// nslots computed slots has.
func (o Operand) valid(nfields, nslots int) bool {
	switch {
	case int(o) < MaxFields:
		return int(o) < nfields
	case o >= operandSlot0:
		return int(o-operandSlot0) < nslots
	}
	return o >= OperandPID && o <= OperandImm
}
