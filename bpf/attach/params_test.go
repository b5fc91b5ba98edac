package attach

import (
	"os"
	"testing"

	"github.com/cilium/ebpf/btf"
)

func TestParamDecode(t *testing.T) {
	intType := &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	tests := []struct {
		name   string
		typ    btf.Type
		raw    uint64
		want   uint64
		signed bool
	}{
		// An int in a register whose upper half is not sign-extended.
		{"int", intType, 0x00000000ffffff9c, 0xffffffffffffff9c, true},
		{"typedef of int", &btf.Typedef{Name: "pid_t", Type: intType}, 0xdead00000000002a, 42, true},
		{"unsigned short", &btf.Int{Name: "unsigned short", Size: 2}, 0xffffffffffff1234, 0x1234, false},
		{"long", &btf.Int{Name: "long", Size: 8, Encoding: btf.Signed}, 0xfffffffffffffffe, 0xfffffffffffffffe, true},
		{"pointer", &btf.Pointer{Target: intType}, 0xffff888012345678, 0xffff888012345678, false},
		{"const u8", &btf.Const{Type: &btf.Int{Name: "u8", Size: 1}}, 0x1ff, 0xff, false},
		{"signed enum", &btf.Enum{Name: "e", Size: 4, Signed: true}, 0xffffffff, 0xffffffffffffffff, true},
	}
	for _, tc := range tests {
		p := paramOf(btf.FuncParam{Name: tc.name, Type: tc.typ})
		got, signed := p.Decode(tc.raw)
		if got != tc.want || signed != tc.signed {
			t.Errorf("%s: Decode(%#x) = %#x, %v; want %#x, %v", tc.name, tc.raw, got, signed, tc.want, tc.signed)
		}
	}
}

// On this kernel's BTF: vfs_read's parameters by name and type.
func TestFuncParamsFromKernelBTF(t *testing.T) {
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI kernels have BTF: %v", err)
		}
		t.Skipf("no kernel BTF: %v", err)
	}
	params, _, err := funcParams(spec, "do_sys_openat2")
	if err != nil {
		t.Fatal(err)
	}
	want := []Param{{"dfd", 4, true, nil}, {"filename", 8, false, nil}, {"how", 8, false, nil}}
	if len(params) != len(want) {
		t.Fatalf("params %+v", params)
	}
	for i := range want {
		params[i].Type = nil
		if params[i] != want[i] {
			t.Errorf("param %d = %+v, want %+v", i, params[i], want[i])
		}
	}
}
