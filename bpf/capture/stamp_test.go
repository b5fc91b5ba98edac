package capture

import (
	"strings"
	"testing"

	"github.com/luatrace/luatrace/bpf/collector"
)

// stampProbe is a probe with two untyped arguments and two stamp tables.
func stampProbe() Probe {
	tables := map[string]uint16{"queued": 1, "oncpu": 2}
	return Probe{Args: []Param{{Name: "a"}, {Name: "b"}}, StampTable: func(name string) (uint16, error) {
		return tables[name], nil
	}}
}

// TestSince: since(NAME[KEY]) is one CalcSince over KEY's value, read once
// per probe however many maps and filters use it (the read deletes the
// stamp), and a new read for another key or table.
func TestSince(t *testing.T) {
	tests := []struct {
		filter, value string
		sinces        int
		table         int64
	}{
		{"", "since(queued[arg0])", 1, 1},
		{"since(queued[arg0]) > 1000", "since( queued[ arg0 ] ) / 1000", 1, 1},
		{"", "since(oncpu[tid])", 1, 2},
		{"since(queued[arg1]) > 0", "since(queued[arg0])", 2, 1},
	}
	for _, tc := range tests {
		p, prog := stampProbe(), &Program{}
		if tc.filter != "" {
			if _, err := CompileFilter(p, prog, tc.filter); err != nil {
				t.Fatalf("%s: %v", tc.filter, err)
			}
		}
		if _, err := CompileMapUpdate(p, prog, nil, tc.value); err != nil {
			t.Fatalf("%s: %v", tc.value, err)
		}
		n := 0
		for _, c := range prog.Calcs {
			if c.Code == collector.CalcSince {
				n++
				if c.Imm != tc.table && n == 1 {
					t.Errorf("%s: reads stamp table %d, want %d", tc.value, c.Imm, tc.table)
				}
			}
		}
		if n != tc.sinces {
			t.Errorf("%s / %s: %d stamp reads, want %d: %v", tc.filter, tc.value, n, tc.sinces, prog.Calcs)
		}
		spec := collector.Spec{Fields: prog.Fetches, Calcs: prog.Calcs, Strings: prog.Strings}
		if err := spec.Validate(); err != nil {
			t.Errorf("%s: %v", tc.value, err)
		}
	}
}

// TestCompileStamp: the stamp's key is any kernel value of the event.
func TestCompileStamp(t *testing.T) {
	tests := []struct {
		src  string
		key  collector.Operand
		size uint8
	}{
		{"queued[tid]", collector.OperandTID, 4},
		{"oncpu[arg1]", 0, 8},
		{"queued[arg0 & 0xff]", collector.Slot(0), 8},
	}
	for _, tc := range tests {
		prog := &Program{}
		st, err := CompileStamp(stampProbe(), prog, tc.src)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		if st.Key != tc.key || st.Size != tc.size || st.Table == 0 {
			t.Errorf("%s: stamp %+v, want key %d of %d bytes", tc.src, st, tc.key, tc.size)
		}
		spec := collector.Spec{Fields: prog.Fetches, Calcs: prog.Calcs, Stamp: st}
		if err := spec.Validate(); err != nil {
			t.Errorf("%s: %v", tc.src, err)
		}
	}
}

// TestStampErrors: each mistake is named with its fix.
func TestStampErrors(t *testing.T) {
	tests := []struct {
		stamp, value, field, want string
	}{
		{stamp: "queued", want: "NAME[KEY]"},
		{stamp: "queued[3]", want: "constant key"},
		{stamp: "f(x)[tid]", want: "NAME[KEY]"},
		{value: "since(queued)", want: "NAME[KEY]"},
		{value: "since(queued[tid], 1)", want: "since takes a stamp"},
		{value: "since(queued[7])", want: "constant key"},
		{field: "since(queued[tid])", want: "computed in the kernel"},
	}
	for _, tc := range tests {
		p, prog := stampProbe(), &Program{}
		var err error
		switch {
		case tc.stamp != "":
			_, err = CompileStamp(p, prog, tc.stamp)
		case tc.value != "":
			_, err = CompileMapUpdate(p, prog, nil, tc.value)
		default:
			_, err = Compile(p, map[string]string{"x": tc.field})
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s%s%s: error %v, want one saying %q", tc.stamp, tc.value, tc.field, err, tc.want)
		}
	}
	if _, err := CompileStamp(Probe{}, &Program{}, "queued[tid]"); err == nil {
		t.Errorf("a probe without stamp tables took a stamp")
	}
}
