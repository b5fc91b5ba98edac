package usdt

import (
	"fmt"
	"strconv"
	"strings"
)

// ArgKind says where a USDT argument's value is.
type ArgKind int

// Argument kinds.
const (
	ArgConst    ArgKind = iota // the constant Value ("$5")
	ArgRegister                // a register's value ("%eax")
	ArgMemory                  // Size bytes at register + Value ("-8(%rbp)")
)

// Arg is one decoded argument spec.
type Arg struct {
	Kind ArgKind
	// Size is the argument's width in bytes (1, 2, 4 or 8).
	Size   int
	Signed bool
	// Register names the register as written; RegOffset is its byte
	// offset in the x86-64 struct pt_regs.
	Register  string
	RegOffset uint16
	// Value is the constant, or the memory operand's displacement.
	Value int64
	// Spec is the argument as written.
	Spec string
}

// ptRegs maps every x86-64 register name sys/sdt.h may write (64-bit and
// narrower views) to its word in struct pt_regs.
var ptRegs = func() map[string]uint16 {
	words := [][]string{
		{"r15", "r15d", "r15w", "r15b"}, {"r14", "r14d", "r14w", "r14b"},
		{"r13", "r13d", "r13w", "r13b"}, {"r12", "r12d", "r12w", "r12b"},
		{"rbp", "ebp", "bp", "bpl"}, {"rbx", "ebx", "bx", "bl"},
		{"r11", "r11d", "r11w", "r11b"}, {"r10", "r10d", "r10w", "r10b"},
		{"r9", "r9d", "r9w", "r9b"}, {"r8", "r8d", "r8w", "r8b"},
		{"rax", "eax", "ax", "al"}, {"rcx", "ecx", "cx", "cl"},
		{"rdx", "edx", "dx", "dl"}, {"rsi", "esi", "si", "sil"},
		{"rdi", "edi", "di", "dil"}, {"orig_rax"}, {"rip", "eip"},
		{"cs"}, {"eflags"}, {"rsp", "esp", "sp", "spl"}, {"ss"},
	}
	m := map[string]uint16{}
	for i, names := range words {
		for _, n := range names {
			m[n] = uint16(8 * i)
		}
	}
	return m
}()

// ParseArgs decodes a note's argument string: space-separated
// [-]SIZE@OPERAND in AT&T syntax, a negative size meaning signed.
func ParseArgs(spec string) ([]Arg, error) {
	var args []Arg
	for _, s := range strings.Fields(spec) {
		a, err := parseArg(s)
		if err != nil {
			return nil, err
		}
		args = append(args, a)
	}
	return args, nil
}

func parseArg(s string) (Arg, error) {
	a := Arg{Spec: s, Size: 8}
	operand := s
	if sz, rest, ok := strings.Cut(s, "@"); ok {
		n, err := strconv.Atoi(sz)
		if err != nil {
			return a, fmt.Errorf("USDT argument %q has a bad size %q", s, sz)
		}
		a.Signed, a.Size, operand = n < 0, max(n, -n), rest
	}
	switch a.Size {
	case 1, 2, 4, 8:
	default:
		return a, fmt.Errorf("USDT argument %q is %d bytes wide; only 1, 2, 4 and 8 are supported", s, a.Size)
	}
	switch {
	case strings.HasPrefix(operand, "$"):
		v, err := strconv.ParseInt(operand[1:], 0, 64)
		if err != nil {
			u, uerr := strconv.ParseUint(operand[1:], 0, 64)
			if uerr != nil {
				return a, fmt.Errorf("USDT argument %q has a bad constant", s)
			}
			v = int64(u)
		}
		a.Kind, a.Value = ArgConst, v
	case strings.HasPrefix(operand, "%"):
		a.Kind, a.Register = ArgRegister, operand[1:]
	case strings.HasSuffix(operand, ")"):
		disp, reg, ok := strings.Cut(strings.TrimSuffix(operand, ")"), "(")
		if !ok || !strings.HasPrefix(reg, "%") || strings.Contains(reg, ",") {
			return a, fmt.Errorf("USDT argument %q uses an addressing mode luatrace cannot read (only DISP(%%REG))", s)
		}
		if disp != "" {
			v, err := strconv.ParseInt(disp, 0, 32)
			if err != nil {
				return a, fmt.Errorf("USDT argument %q has a displacement %q that is not a number (symbolic operands are not supported)", s, disp)
			}
			a.Value = v
		}
		a.Kind, a.Register = ArgMemory, reg[1:]
	default:
		return a, fmt.Errorf("USDT argument %q is neither a constant, a register nor a memory operand", s)
	}
	if a.Kind != ArgConst {
		off, ok := ptRegs[a.Register]
		if !ok {
			return a, fmt.Errorf("USDT argument %q names register %q, which is not an x86-64 general register", s, "%"+a.Register)
		}
		if a.Register == "rip" || a.Register == "eip" {
			return a, fmt.Errorf("USDT argument %q is relative to the instruction pointer, which luatrace cannot read at the probe", s)
		}
		a.RegOffset = off
	}
	return a, nil
}
