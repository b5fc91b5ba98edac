package capture

import (
	"fmt"
	"strings"

	"github.com/luatrace/luatrace/bpf/collector"
)

// describeFetch renders fetch i as "arg0 +16 *k +8 *u str(256)": the
// source, each offset and pointer load (k/u for the address space) and
// the final operation.
func describeFetch(fetches []collector.Fetch, i int) string {
	f := fetches[i]
	var b strings.Builder
	switch f.Source {
	case collector.FromArg:
		fmt.Fprintf(&b, "arg%d", f.Index)
	case collector.FromRetval:
		b.WriteString("retval")
	case collector.FromTracepoint:
		fmt.Fprintf(&b, "tp[%d:%d]", f.TracepointOffset, f.TracepointSize)
	case collector.FromTracepointAddress:
		fmt.Fprintf(&b, "&tp[%d]", f.TracepointOffset)
	case collector.FromField:
		fmt.Fprintf(&b, "field%d", f.Index)
	case collector.FromCurtask:
		b.WriteString("curtask")
	case collector.FromCgroup:
		b.WriteString("cgroup")
	case collector.FromRegister:
		fmt.Fprintf(&b, "regs[%d]", f.TracepointOffset)
	case collector.FromSlot:
		fmt.Fprintf(&b, "slot%d", f.Index)
	case collector.FromStamped:
		fmt.Fprintf(&b, "stamp of slot%d", f.Index)
	}
	space := func(user bool) string {
		if user {
			return "u"
		}
		return "k"
	}
	for d := 0; d < f.Derefs; d++ {
		if f.Offsets[d] != 0 {
			fmt.Fprintf(&b, " %+d", f.Offsets[d])
		}
		fmt.Fprintf(&b, " *%s", space(f.User[d]))
	}
	if off := f.Offsets[f.Derefs]; off != 0 {
		fmt.Fprintf(&b, " %+d", off)
	}
	switch f.Op {
	case collector.OpValue:
		b.WriteString(" value")
	case collector.OpRead:
		fmt.Fprintf(&b, " read%s(%d)", space(f.User[f.Derefs]), f.Size)
	case collector.OpStr:
		fmt.Fprintf(&b, " str%s(%d)", space(f.User[f.Derefs]), f.MaxLen)
	case collector.OpBuf:
		if f.LenField != collector.NoLenField {
			fmt.Fprintf(&b, " buf%s(len=[%s], max %d)", space(f.User[f.Derefs]), describeFetch(fetches, int(f.LenField)), f.MaxLen)
		} else {
			fmt.Fprintf(&b, " buf%s(%d)", space(f.User[f.Derefs]), f.MaxLen)
		}
	}
	return b.String()
}

var calcSymbols = map[collector.CalcCode]string{}

func init() {
	for sym, code := range calcCodes {
		calcSymbols[code] = sym
	}
	calcSymbols[collector.CalcNot], calcSymbols[collector.CalcBNot], calcSymbols[collector.CalcNeg] = "!", "~", "-"
}

// describeCalc renders a computed value as "[arg2 value] & 0xff".
func describeCalc(fetches []collector.Fetch, c collector.Calc) string {
	sym := calcSymbols[c.Code]
	if c.Code == collector.CalcSince {
		return fmt.Sprintf("since(stamp table %d, %s)", c.Imm, describeOperand(fetches, c.A, 0))
	}
	if c.Code >= collector.CalcNot {
		return sym + describeOperand(fetches, c.A, c.Imm)
	}
	return describeOperand(fetches, c.A, c.Imm) + " " + sym + " " + describeOperand(fetches, c.B, c.Imm)
}

// describeOperand names an operand of computed values and map keys.
func describeOperand(fetches []collector.Fetch, o collector.Operand, imm int64) string {
	switch {
	case int(o) < collector.MaxFields:
		return "[" + describeFetch(fetches, int(o)) + "]"
	case o >= collector.Slot(0):
		return fmt.Sprintf("slot%d", o-collector.Slot(0))
	case o == collector.OperandImm:
		return fmt.Sprint(imm)
	case o == collector.OperandOne:
		return "1"
	}
	names := []string{"pid", "tid", "uid", "gid", "cpu", "cgroup", "nsecs", "duration", "retval"}
	if i := int(o - collector.OperandPID); i >= 0 && i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("operand%d", o)
}
