package unwind

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/go-delve/delve/pkg/dwarf/frame"

	"github.com/luatrace/luatrace/bpf/usym"
)

// maxRows bounds the unwind rows remembered per table (one per distinct
// address unwound through); the cache is emptied when it is full.
const maxRows = 4096

// ruleKind is how a register (or the CFA) is recovered in the caller.
type ruleKind uint8

const (
	ruleSame      ruleKind = iota // the callee did not change it
	ruleUndefined                 // no value (for the return address: outermost frame)
	ruleOffset                    // saved at CFA+off
	ruleValOffset                 // is CFA+off (for the CFA: reg+off)
	ruleRegister                  // is in register reg
	ruleExpr                      // saved at the address an expression computes
	ruleValExpr                   // is what an expression computes
)

// rule is one register's recovery rule at an address.
type rule struct {
	kind ruleKind
	reg  uint64
	off  int64
	expr []byte
}

// regRule is a rule for register reg.
type regRule struct {
	reg int
	rule
}

// row is the unwind row for one address: how to find the CFA, and the
// registers whose rule is not "same value".
type row struct {
	cfa    rule
	regs   []regRule
	ra     rule // the return address (column RIP)
	signal bool // a signal trampoline: the caller's pc is not a return address
}

// table holds one image's CFI: .eh_frame and .debug_frame entries sorted
// by address, and the rows already computed.
type table struct {
	eh, debug frame.FrameDescriptionEntries
	fdes      int
	err       error // why the image has no usable CFI, if it has none

	mu   sync.Mutex
	rows map[uint64]*row
}

// newTable parses the CFI of img: its .eh_frame, and the .debug_frame of
// the image or of its separate debug file.
func newTable(img *usym.Image) *table {
	t := &table{rows: map[uint64]*row{}}
	if img.ELF() == nil {
		t.err = errors.New("no CFI: the file is not on this machine (a replay)")
		return t
	}
	var errs []string
	if s := img.ELF().Section(".eh_frame"); s != nil && s.Type != elf.SHT_NOBITS {
		fdes, err := parseSection(s, s.Addr)
		if err != nil {
			errs = append(errs, ".eh_frame: "+err.Error())
		}
		t.eh = fdes
	}
	for _, f := range []*elf.File{img.ELF(), img.DebugELF()} {
		if f == nil {
			continue
		}
		if s := f.Section(".debug_frame"); s != nil && s.Type != elf.SHT_NOBITS {
			fdes, err := parseSection(s, 0)
			if err != nil {
				errs = append(errs, ".debug_frame: "+err.Error())
			}
			t.debug = fdes
			break
		}
	}
	t.fdes = len(t.eh) + len(t.debug)
	if t.fdes == 0 {
		if len(errs) > 0 {
			t.err = fmt.Errorf("%s: %s", img.Path, strings.Join(errs, "; "))
		} else {
			t.err = fmt.Errorf("%s has no .eh_frame or .debug_frame", img.Path)
		}
	}
	return t
}

// parseSection parses a CFI section with delve's parser; ehFrameAddr is
// the section's address for .eh_frame (whose pointers are pc-relative) and
// 0 for .debug_frame. The entries come back sorted by address.
func parseSection(s *elf.Section, ehFrameAddr uint64) (fdes frame.FrameDescriptionEntries, err error) {
	data, err := s.Data()
	if err != nil {
		return nil, err
	}
	defer func() {
		// The parser trusts its input; a corrupt section must not take the
		// tracer down.
		if r := recover(); r != nil {
			fdes, err = nil, fmt.Errorf("corrupt CFI: %v", r)
		}
	}()
	fdes, err = frame.Parse(data, binary.LittleEndian, 0, 8, ehFrameAddr)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(fdes, func(i, j int) bool { return fdes[i].Begin() < fdes[j].Begin() })
	return fdes, nil
}

// row returns the unwind row at link-time address vaddr; nil when no FDE
// covers it.
func (t *table) row(vaddr uint64) *row {
	t.mu.Lock()
	defer t.mu.Unlock()
	if r, ok := t.rows[vaddr]; ok {
		return r
	}
	r := t.computeRow(vaddr)
	if len(t.rows) >= maxRows {
		clear(t.rows)
	}
	t.rows[vaddr] = r
	return r
}

func (t *table) computeRow(vaddr uint64) (r *row) {
	fde, err := t.eh.FDEForPC(vaddr)
	if err != nil {
		if fde, err = t.debug.FDEForPC(vaddr); err != nil {
			return nil
		}
	}
	defer func() {
		if recover() != nil {
			r = nil // corrupt CFA program: no row, the unwind falls back
		}
	}()
	ctx, err := fde.EstablishFrame(vaddr)
	if err != nil {
		return nil
	}
	return rowOf(ctx, strings.Contains(fde.CIE.Augmentation, "S"))
}

// rowOf converts delve's frame context to a row. Delve turns
// DW_CFA_restore into "undefined" (it does not keep the CIE's initial
// rules); on x86-64 the CIE only sets the CFA and the return address, so a
// restored callee-saved register has its initial rule, "same value", and
// that is what "undefined" means here for any register but the return
// address, whose "undefined" marks the outermost frame (_start, clone).
func rowOf(ctx *frame.FrameContext, signal bool) *row {
	r := &row{signal: signal}
	switch ctx.CFA.Rule {
	case frame.RuleCFA:
		r.cfa = rule{kind: ruleValOffset, reg: ctx.CFA.Reg, off: ctx.CFA.Offset}
	case frame.RuleExpression:
		r.cfa = rule{kind: ruleValExpr, expr: ctx.CFA.Expression}
	default:
		r.cfa = rule{kind: ruleUndefined}
	}
	r.ra = rule{kind: ruleUndefined}
	for reg, dw := range ctx.Regs {
		rl := ruleFrom(dw)
		if reg == RIP {
			r.ra = rl
			continue
		}
		if reg >= NumRegs || rl.kind == ruleSame || rl.kind == ruleUndefined {
			continue
		}
		r.regs = append(r.regs, regRule{reg: int(reg), rule: rl})
	}
	return r
}

func ruleFrom(dw frame.DWRule) rule {
	switch dw.Rule {
	case frame.RuleOffset:
		return rule{kind: ruleOffset, off: dw.Offset}
	case frame.RuleValOffset:
		return rule{kind: ruleValOffset, off: dw.Offset}
	case frame.RuleRegister:
		return rule{kind: ruleRegister, reg: dw.Reg}
	case frame.RuleExpression:
		return rule{kind: ruleExpr, expr: dw.Expression}
	case frame.RuleValExpression:
		return rule{kind: ruleValExpr, expr: dw.Expression}
	case frame.RuleSameVal:
		return rule{kind: ruleSame}
	}
	return rule{kind: ruleUndefined}
}
