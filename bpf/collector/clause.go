package collector

import "fmt"

// Cmp is a clause's comparison.
type Cmp uint8

// Comparisons (enum lt_cmp).
const (
	CmpEQ = Cmp(collectorLtCmpLT_CMP_EQ)
	CmpNE = Cmp(collectorLtCmpLT_CMP_NE)
	CmpLT = Cmp(collectorLtCmpLT_CMP_LT)
	CmpLE = Cmp(collectorLtCmpLT_CMP_LE)
	CmpGT = Cmp(collectorLtCmpLT_CMP_GT)
	CmpGE = Cmp(collectorLtCmpLT_CMP_GE)
)

// MaxClauses is the most filter clauses per probe, and of groups.
const MaxClauses = int(collectorLtFilterLimitsLT_MAX_CLAUSES)

// Clause is one kernel-side filter condition: Operand Cmp Value. An event
// is kept when, in some Group, all clauses hold (an OR of ANDs).
type Clause struct {
	Group   uint8 // 0..MaxClauses-1
	Operand Operand
	Cmp     Cmp
	Signed  bool
	Size    uint8 // bytes of the operand's type (1, 2, 4; 0 or 8: all 64 bits)
	Value   uint64
}

// encode lays clause i of a spec with nfields fields and ncalcs computed
// values out as struct lt_clause.
func (cl Clause) encode(i, nfields, ncalcs int) (collectorLtClause, error) {
	if !cl.Operand.valid(nfields, ncalcs) || cl.Operand == OperandImm {
		return collectorLtClause{}, fmt.Errorf("filter clause %d compares an unknown value", i)
	}
	if cl.Cmp > CmpGE {
		return collectorLtClause{}, fmt.Errorf("filter clause %d has an unknown comparison", i)
	}
	if int(cl.Group) >= MaxClauses {
		return collectorLtClause{}, fmt.Errorf("filter clause %d is in group %d, at most %d groups", i, cl.Group, MaxClauses)
	}
	o := collectorLtClause{Operand: uint8(cl.Operand), Cmp: uint8(cl.Cmp), Value: cl.Value, Size: cl.Size, Group: cl.Group}
	if cl.Signed {
		o.Flags = uint8(collectorLtClauseFlagsLT_CLAUSE_SIGNED)
	}
	return o, nil
}
