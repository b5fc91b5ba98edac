package capture

import (
	le "encoding/binary"
	"reflect"
	"strings"
	"testing"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/unwind"
	"github.com/luatrace/luatrace/bpf/usym"
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
		buildid    bool
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
		{fields: map[string]string{"a": "ustack(buildid)"}, buildid: true, sections: 1,
			describeOf: "a = ustack(buildid): user stack as build-id and file offset per frame"},
		{fields: map[string]string{"a": "ustack(buildid)", "b": "ustack(dwarf)", "c": "ustack"}, fp: true, sample: unwind.DefaultStackSize, buildid: true, sections: 3},
		{fields: map[string]string{"a": "ustack(buildid, 10)"}, wantErr: "ustack(buildid) copies no stack bytes"},
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
		if prog.UserStack != tc.fp || prog.UserSample != tc.sample || prog.UserBuildID != tc.buildid || prog.Sections() != tc.sections {
			t.Errorf("%v: fp %v sample %d buildid %v sections %d, want %v %d %v %d", tc.fields, prog.UserStack, prog.UserSample, prog.UserBuildID, prog.Sections(), tc.fp, tc.sample, tc.buildid, tc.sections)
		}
		// The collector appends the fp stack, the sample, then the
		// build-id stack, each a section in that order.
		for _, f := range prog.Fields {
			want := map[kind]int{kindUserStack: 0, kindUserSample: 1, kindUserBuildID: 2}[f.kind]
			if !tc.fp && f.kind != kindUserStack {
				want--
			}
			if tc.sample == 0 && f.kind == kindUserBuildID {
				want--
			}
			if f.fetch != want {
				t.Errorf("%v: %s in section %d, want %d", tc.fields, f.Expr, f.fetch, want)
			}
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

// TestBuildIDStackDecode: the build-id section is struct
// bpf_stack_build_id per frame: a build-id and offset, or an address where
// the kernel could not read the build-id; an empty entry ends it.
func TestBuildIDStackDecode(t *testing.T) {
	prog, err := Compile(testProbes(t)["uret"], map[string]string{"us": "ustack(buildid)"})
	if err != nil {
		t.Fatal(err)
	}
	frame := func(status uint32, id byte, v uint64) []byte {
		b := make([]byte, 32)
		le.LittleEndian.PutUint32(b, status)
		for i := 4; i < 24; i++ {
			b[i] = id
		}
		le.LittleEndian.PutUint64(b[24:], v)
		return b
	}
	var sec []byte
	sec = append(sec, frame(1, 0xab, 0x1234)...)
	sec = append(sec, frame(2, 0, 0x7f0000001000)...)
	sec = append(sec, frame(0, 0, 0)...)
	sec = append(sec, frame(1, 0xcd, 0x99)...) // after the end
	v := prog.Fields[0].Decode(nil, []collector.FieldData{{Bytes: sec}})
	want := []usym.BuildIDFrame{{BuildID: usym.BuildID(strings.Repeat("ab", 20)), Offset: 0x1234}, {Addr: 0x7f0000001000}}
	if v.Kind != Stack || !v.User || !reflect.DeepEqual(v.BuildIDs, want) {
		t.Errorf("decoded %+v, want user build-id frames %+v", v, want)
	}
}

// TestUserSampleKey: a dwarf stack cannot be a map key (it is unwound in
// user space); ustack(fp) is the frame-pointer key.
func TestUserSampleKey(t *testing.T) {
	probe := testProbes(t)["uret"]
	for _, key := range []string{"ustack(dwarf)", "ustack(buildid)"} {
		if _, err := CompileMapUpdate(probe, &Program{}, []string{key}, ""); err == nil || !strings.Contains(err.Error(), key+" is named in luatrace frame by frame") {
			t.Errorf("%s key: %v", key, err)
		}
	}
	u, err := CompileMapUpdate(probe, &Program{}, []string{"ustack(fp)"}, "")
	if err != nil || u.Parts[0].Kind != collector.KeyUserStack {
		t.Errorf("ustack(fp) key: %+v, %v", u, err)
	}
}
