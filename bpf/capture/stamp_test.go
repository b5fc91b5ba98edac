package capture

import (
	"fmt"
	"strings"
	"testing"

	"github.com/luatrace/luatrace/bpf/collector"
)

// stampProbe is a probe with two untyped arguments and two stamped
// tables; "away" saves a kernel stack, the comm and the pid, "idle" is
// made as a probe stamps it.
func stampProbe() Probe {
	tables := map[string]*StampTable{
		"queued": {Name: "queued", ID: 1, Stamped: true},
		"oncpu":  {Name: "oncpu", ID: 2, Stamped: true},
		"away": {Name: "away", ID: 3, Stamped: true, Saved: []SavedPart{
			{Name: "comm", Decode: KeyPart{Kind: KeyString, Width: 16}},
			{Name: "kstack", Decode: KeyPart{Kind: KeyKernelStack, Offset: 16, Width: 8}},
			{Name: "pid", Decode: KeyPart{Kind: KeyUint, Offset: 24, Width: 8, Size: 4}},
		}},
	}
	return Probe{Args: []Param{{Name: "a"}, {Name: "b"}}, Stamps: func(name string, create bool) (*StampTable, error) {
		if t, ok := tables[name]; ok || !create {
			return t, nil
		}
		tables[name] = &StampTable{Name: name, ID: uint16(len(tables) + 1)}
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
		st, err := CompileStamp(stampProbe(), prog, tc.src, nil)
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
		stamp, value, field, key, want string
		saved                          []SavedExpr
	}{
		{value: "since(never[tid])", want: `no probe stamps table never; give an earlier probe the option stamp = "never[KEY]"`},
		{key: "never[tid].comm", want: "no probe stamps table never"},
		{key: "away[tid].ustack", want: "stamp table away saves no part ustack (it saves comm, kstack, pid)"},
		{value: "away[tid].kstack", want: "not a number"},
		{stamp: "away[tid]", saved: []SavedExpr{{"comm", "comm"}}, want: "stamp table away saves comm, kstack, pid at another probe"},
		{stamp: "x[tid]", saved: []SavedExpr{{"s", "str(arg0)"}}, want: "a stamp saves numbers, comm, kstack and ustack"},
		{stamp: "x[tid]", saved: []SavedExpr{{"a", "comm"}, {"b", "comm"}, {"c", "comm"}, {"d", "pid"}}, want: "at most 48"},
		{stamp: "queued", want: "NAME[KEY]"},
		{stamp: "queued[3]", want: "constant key"},
		{stamp: "f(x)[tid]", want: "NAME[KEY]"},
		{value: "since(queued)", want: "NAME[KEY]"},
		{value: "since(queued[tid], 1)", want: "since takes a stamp"},
		{value: "since(queued[7])", want: "constant key"},
		{field: "since(never[tid])", want: "no probe stamps table never"},
		{field: "away[tid].ustack", want: "saves no part ustack"},
		{field: "str(since(queued[tid]))", want: "computed in the kernel"},
	}
	for _, tc := range tests {
		p, prog := stampProbe(), &Program{}
		var err error
		switch {
		case tc.stamp != "":
			_, err = CompileStamp(p, prog, tc.stamp, tc.saved)
		case tc.value != "":
			_, err = CompileMapUpdate(p, prog, nil, tc.value)
		case tc.key != "":
			_, err = CompileMapUpdate(p, prog, []string{tc.key}, "")
		default:
			_, err = Compile(p, map[string]string{"x": tc.field})
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s%s%s%s: error %v, want one saying %q", tc.stamp, tc.value, tc.field, tc.key, err, tc.want)
		}
	}
	if _, err := CompileStamp(Probe{}, &Program{}, "queued[tid]", nil); err == nil {
		t.Errorf("a probe without stamp tables took a stamp")
	}
}

// TestStampSaves: a stamp lays out the parts it saves in its table, and
// NAME[KEY].PART at the reading probe is a key part copied from the same
// read of the stamp as since(), or a number computed from it.
func TestStampSaves(t *testing.T) {
	p := stampProbe()
	sprog := &Program{}
	st, err := CompileStamp(p, sprog, "left[arg0]", []SavedExpr{{"comm", "comm"}, {"k", "kstack"}, {"u", "ustack"}, {"who", "pid"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []collector.KeyKind{collector.KeyComm, collector.KeyKernelStack, collector.KeyUserStack, collector.KeyValue}
	for i, part := range st.Saved {
		if part.Kind != want[i] || int(part.Offset) != []int{0, 16, 24, 32}[i] {
			t.Errorf("saved part %d is %+v, want kind %d", i, part, want[i])
		}
	}
	if err := (&collector.Spec{Fields: sprog.Fetches, Stamp: st}).Validate(); err != nil {
		t.Error(err)
	}
	table, _ := p.Stamps("left", false)
	if !table.Stamped || len(table.Saved) != 4 || table.Saved[1].Decode.Kind != KeyKernelStack {
		t.Errorf("table after the stamp: %+v", table)
	}
	prog := &Program{}
	if _, err := CompileFilter(p, prog, "left[arg1].who != 0"); err != nil {
		t.Fatal(err)
	}
	u, err := CompileMapUpdate(p, prog, []string{"left[arg1].k", "left[arg1].comm"}, "since(left[arg1]) / 1000")
	if err != nil {
		t.Fatal(err)
	}
	var codes []collector.CalcCode
	for _, c := range prog.Calcs {
		codes = append(codes, c.Code)
	}
	if len(codes) < 2 || codes[0] != collector.CalcSince || codes[1] != collector.CalcStamped || strings.Count(fmt.Sprint(codes), fmt.Sprint(collector.CalcSince)) != 1 {
		t.Errorf("calcs %v: want one stamp read, then the saved pid", codes)
	}
	if u.Parts[0].Kind != collector.KeyStamped || u.Parts[0].From != 16 || u.Parts[0].Size != 8 || u.Decode[0].Kind != KeyKernelStack ||
		u.Parts[1].From != 0 || u.Parts[1].Size != 16 || u.Decode[1].Kind != KeyString {
		t.Errorf("key %+v decoded as %+v", u.Parts, u.Decode)
	}
	spec := collector.Spec{Fields: prog.Fetches, Calcs: prog.Calcs}
	if err := spec.Validate(); err != nil {
		t.Error(err)
	}
}

// TestStampFields: since() and what a stamp saved are captured fields the
// kernel fills in after its computed values (late fetches): the slot of
// the one read of the stamp the maps and filter share, and the saved
// parts from it; they decode as numbers, the comm, and stacks by id.
func TestStampFields(t *testing.T) {
	p := stampProbe()
	prog, err := Compile(p, map[string]string{"lat": "since(away[arg0])", "us": "since(away[arg0]) / 1000",
		"c": "away[arg0].comm", "k": "away[arg0].kstack", "who": "away[arg0].pid"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CompileMapUpdate(p, prog, []string{"away[arg0].kstack"}, "since(away[arg0])"); err != nil {
		t.Fatal(err)
	}
	reads := 0
	for _, c := range prog.Calcs {
		if c.Code == collector.CalcSince {
			reads++
		}
	}
	if reads != 1 {
		t.Errorf("%d stamp reads, want 1 shared by the fields and the map: %v", reads, prog.Calcs)
	}
	spec := collector.Spec{Fields: prog.Fetches, Calcs: prog.Calcs}
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	// Sections in fetch order: arg0 (the key), then each field's.
	sections := make([][]byte, len(prog.Fetches))
	want := map[string]Value{}
	for _, f := range prog.Fields {
		switch f.Name {
		case "lat", "us":
			if f.Name == "us" {
				continue // derived from lat's leaf
			}
			sections[f.fetch] = fieldBytes(0, "\x40\x42\x0f\x00\x00\x00\x00\x00") // 1,000,000 ns
			want["lat"], want["us"] = Value{Kind: Uint, N: 1000000}, Value{Kind: Uint, N: 1000}
		case "c":
			sections[f.fetch] = fieldBytes(0, "worker\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")
			want["c"] = Value{Kind: String, B: []byte("worker")}
		case "k":
			sections[f.fetch] = fieldBytes(0, "\x07\x00\x00\x00\x00\x00\x00\x00")
			want["k"] = Value{Kind: Stack, ByID: true, StackID: 7}
		case "who":
			sections[f.fetch] = fieldBytes(0, "\x2a\x00\x00\x00\x00\x00\x00\x00")
			want["who"] = Value{Kind: Uint, N: 42}
		}
		if f.fetch >= 0 && !prog.Fetches[f.fetch].Late() {
			t.Errorf("field %s = %s is fetched before the computed values: %+v", f.Name, f.Expr, prog.Fetches[f.fetch])
		}
	}
	for i := range sections {
		if prog.Fetches[i].Source == collector.FromSlot {
			sections[i] = fieldBytes(0, "\x40\x42\x0f\x00\x00\x00\x00\x00") // every read of the slot
		}
		if sections[i] == nil {
			sections[i] = fieldBytes(0, "\x00\x00\x00\x00\x00\x00\x00\x00")
		}
	}
	rec := collector.Record(testRecord(0, nil, sections...))
	data := rec.Fields(prog.Sections())
	for _, f := range prog.Fields {
		got := f.Decode(rec, data)
		w := want[f.Name]
		if got.Kind != w.Kind || got.N != w.N || string(got.B) != string(w.B) || got.ByID != w.ByID || got.StackID != w.StackID {
			t.Errorf("field %s = %s decodes as %+v, want %+v", f.Name, f.Expr, got, w)
		}
	}
	if k, _ := prog.StacksByID(); !k {
		t.Errorf("StacksByID: the kernel stack by id is not reported")
	}
}
