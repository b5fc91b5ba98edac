package capture

import (
	"fmt"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/usdt"
)

// usdtArg is a USDT argument as a value: a constant, a register, or
// Size bytes of user memory at register + displacement, typed by the
// note's width and sign so narrower values sign- or zero-extend.
func usdtArg(a *usdt.Arg) val {
	sign := "u"
	if a.Signed {
		sign = "s"
	}
	t := baseTypes[fmt.Sprintf("%s%d", sign, a.Size*8)]
	switch a.Kind {
	case usdt.ArgConst:
		return val{isConst: true, c: narrow(a.Value, a.Size, a.Signed), typ: t}
	case usdt.ArgMemory:
		v := val{f: collector.Fetch{Source: collector.FromRegister, TracepointOffset: a.RegOffset}, typ: t, lvalue: true, user: true}
		v.f.Offsets[0] = int32(a.Value)
		v.f.User[0] = true
		return v
	}
	return val{f: collector.Fetch{Source: collector.FromRegister, TracepointOffset: a.RegOffset}, typ: t, user: true}
}

// narrow truncates a constant to size bytes, then extends it back by sign.
func narrow(v int64, size int, signed bool) int64 {
	if size >= 8 {
		return v
	}
	bits := uint(size * 8)
	if signed {
		return v << (64 - bits) >> (64 - bits)
	}
	return int64(uint64(v) & (1<<bits - 1))
}

// isIdent: the expression is a bare name such as arg2.
func isIdent(n node) bool {
	_, ok := n.(ident)
	return ok
}
