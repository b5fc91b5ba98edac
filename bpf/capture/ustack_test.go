package capture

import (
	"strings"
	"testing"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/unwind"
)

// TestUserStackModes: ustack(fp) is ustack; ustack(dwarf[, size]) asks the
// collector for a user sample of that many stack bytes (perf's 8 KiB by
// default, the largest when two fields differ), placed after the stacks.
func TestUserStackModes(t *testing.T) {
	probe := testProbes(t)["uret"]
	tests := []struct {
		fields     map[string]string
		fp         bool
		sample     int
		sections   int
		wantErr    string
		describeOf string
	}{
		{fields: map[string]string{"a": "ustack(fp)"}, fp: true, sections: 1},
		{fields: map[string]string{"a": "ustack(dwarf)"}, sample: unwind.DefaultStackSize, sections: 1,
			describeOf: "a = ustack(dwarf): user registers and 8192 bytes of user stack, unwound with CFI"},
		{fields: map[string]string{"a": "ustack(dwarf, 1024)", "b": "ustack(dwarf, 16384)", "c": "ustack"}, fp: true, sample: 16384, sections: 2},
		{fields: map[string]string{"a": "ustack(dwarf, 4)"}, wantErr: "copies 8 to 32584 bytes of stack"},
		{fields: map[string]string{"a": "ustack(dwarf, 40000)"}, wantErr: "copies 8 to 32584 bytes of stack"},
		{fields: map[string]string{"a": "ustack(lbr)"}, wantErr: "ustack takes a mode"},
		{fields: map[string]string{"a": "ustack(fp, 10)"}, wantErr: "ustack(fp) copies no stack bytes"},
		{fields: map[string]string{"a": "ustack()"}, wantErr: "ustack takes a mode"},
	}
	for _, tc := range tests {
		prog, err := Compile(probe, tc.fields)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v: error %v, want %q", tc.fields, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.fields, err)
			continue
		}
		if prog.UserStack != tc.fp || prog.UserSample != tc.sample || prog.Sections() != tc.sections {
			t.Errorf("%v: fp %v sample %d sections %d, want %v %d %d", tc.fields, prog.UserStack, prog.UserSample, prog.Sections(), tc.fp, tc.sample, tc.sections)
		}
		if tc.describeOf != "" && prog.Describe()[0] != tc.describeOf {
			t.Errorf("%v: described as %q, want %q", tc.fields, prog.Describe()[0], tc.describeOf)
		}
	}
	if collector.MaxUserSample != 32584 {
		t.Errorf("the limits in the messages above assume a 32584-byte user sample, the collector now copies %d", collector.MaxUserSample)
	}
}

// TestUserSampleDecode: the section after the stacks holds struct pt_regs
// and then the stack bytes; a faulted section (a kernel thread) decodes to
// no sample.
func TestUserSampleDecode(t *testing.T) {
	prog, err := Compile(testProbes(t)["uret"], map[string]string{"us": "ustack(dwarf)"})
	if err != nil {
		t.Fatal(err)
	}
	regs := make([]byte, collector.UserSampleRegs)
	regs[16*8] = 0x11 // ip
	regs[19*8] = 0x22 // sp
	regs[4*8] = 0x33  // bp
	ok := prog.Fields[0].Decode(nil, []collector.FieldData{{Status: collector.FieldTruncated, Bytes: append(regs, 1, 2, 3, 4, 5, 6, 7, 8)}})
	if !ok.Dwarf || ok.Sample == nil || ok.Status != collector.FieldTruncated {
		t.Fatalf("decoded %+v, want a truncated sample", ok)
	}
	r := ok.Sample.Regs
	if r.Val[unwind.RIP] != 0x11 || r.Val[unwind.RSP] != 0x22 || r.Val[unwind.RBP] != 0x33 || len(ok.Sample.Stack) != 8 {
		t.Errorf("registers ip %#x sp %#x bp %#x, %d stack bytes; want 0x11 0x22 0x33, 8", r.Val[unwind.RIP], r.Val[unwind.RSP], r.Val[unwind.RBP], len(ok.Sample.Stack))
	}
	for _, d := range [][]collector.FieldData{{{Status: collector.FieldFault}}, {{Bytes: []byte{1, 2}}}, nil} {
		if v := prog.Fields[0].Decode(nil, d); v.Sample != nil || !v.Dwarf {
			t.Errorf("section %v decoded to %+v, want no sample", d, v)
		}
	}
}

// TestUserSampleKey: a dwarf stack cannot be a map key (it is unwound in
// user space); ustack(fp) is the frame-pointer key.
func TestUserSampleKey(t *testing.T) {
	probe := testProbes(t)["uret"]
	if _, err := CompileMapUpdate(probe, &Program{}, []string{"ustack(dwarf)"}, ""); err == nil || !strings.Contains(err.Error(), "cannot be a map key") {
		t.Errorf("ustack(dwarf) key: %v", err)
	}
	u, err := CompileMapUpdate(probe, &Program{}, []string{"ustack(fp)"}, "")
	if err != nil || u.Parts[0].Kind != collector.KeyUserStack {
		t.Errorf("ustack(fp) key: %+v, %v", u, err)
	}
}
