package stack

import (
	"reflect"
	"testing"

	"github.com/luatrace/luatrace/bpf/ksym"
	"github.com/luatrace/luatrace/bpf/metrics"
)

// FrameNames names frames innermost first, an address where no symbol
// covers it; folded, they read outermost first (a --metrics stack label).
func TestFrameNames(t *testing.T) {
	syms := &Symbols{}
	syms.UseKernel(ksym.NewTable([]ksym.Symbol{{Addr: 0x1000, Name: "inner", Type: 'T'}, {Addr: 0x2000, Name: "outer", Type: 'T'}}))
	got := FrameNames(syms, []uint64{0x1010, 0x2020, 0x10}, false, 0)
	if want := []string{"inner", "outer", "0x10"}; !reflect.DeepEqual(got, want) {
		t.Errorf("FrameNames = %q, want %q", got, want)
	}
	if folded := metrics.FoldStack(got); folded != "0x10;outer;inner" {
		t.Errorf("folded %q", folded)
	}
}
