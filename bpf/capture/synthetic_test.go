package capture

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cilium/ebpf/btf"

	"github.com/luatrace/luatrace/bpf/tracefs"
	"github.com/luatrace/luatrace/bpf/usdt"
)

// syntheticBTF builds a small kernel-like BTF in memory, so that tests of
// casts and member access run without root and without kernel BTF: the
// shapes that matter (anonymous unions, bitfields, char arrays, a flexible
// array, __user pointers, typedefs, qualifiers, an enum, a function
// pointer, an incomplete struct) on struct file, dentry and task_struct,
// and vfs_read's prototype.
func syntheticBTF(tb testing.TB) *btf.Spec {
	tb.Helper()
	var (
		index    = &btf.Int{Name: "__ARRAY_SIZE_TYPE__", Size: 4}
		char     = &btf.Int{Name: "char", Size: 1, Encoding: btf.Signed | btf.Char}
		uchar    = &btf.Int{Name: "unsigned char", Size: 1}
		intT     = &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
		uintT    = &btf.Int{Name: "unsigned int", Size: 4}
		long     = &btf.Int{Name: "long", Size: 8, Encoding: btf.Signed}
		ulong    = &btf.Int{Name: "unsigned long", Size: 8}
		llong    = &btf.Int{Name: "long long", Size: 8, Encoding: btf.Signed}
		ullong   = &btf.Int{Name: "unsigned long long", Size: 8}
		u32      = &btf.Typedef{Name: "u32", Type: uintT}
		u64      = &btf.Typedef{Name: "u64", Type: ullong}
		sizeT    = &btf.Typedef{Name: "size_t", Type: ulong}
		ssizeT   = &btf.Typedef{Name: "ssize_t", Type: long}
		loffT    = &btf.Typedef{Name: "loff_t", Type: llong}
		fmodeT   = &btf.Typedef{Name: "fmode_t", Type: uintT}
		voidPtr  = &btf.Pointer{Target: &btf.Void{}}
		userChar = &btf.TypeTag{Value: "user", Type: char}
		fileOps  = &btf.Fwd{Name: "file_operations", Kind: btf.FwdStruct}
	)
	array := func(t btf.Type, n uint32) *btf.Array { return &btf.Array{Index: index, Type: t, Nelems: n} }
	qstr := &btf.Struct{Name: "qstr", Size: 16, Members: []btf.Member{
		{Type: &btf.Union{Size: 8, Members: []btf.Member{
			{Type: &btf.Struct{Size: 8, Members: []btf.Member{{Name: "hash", Type: u32}, {Name: "len", Type: u32, Offset: 32}}}},
			{Name: "hash_len", Type: u64},
		}}},
		{Name: "name", Type: &btf.Pointer{Target: &btf.Const{Type: uchar}}, Offset: 64},
	}}
	dentry := &btf.Struct{Name: "dentry", Size: 64}
	dentry.Members = []btf.Member{
		{Name: "d_flags", Type: uintT},
		{Name: "d_parent", Type: &btf.Pointer{Target: dentry}, Offset: 64},
		{Name: "d_name", Type: qstr, Offset: 128},
		{Name: "d_iname", Type: array(uchar, 32), Offset: 256},
	}
	path := &btf.Struct{Name: "path", Size: 16, Members: []btf.Member{
		{Name: "mnt", Type: voidPtr},
		{Name: "dentry", Type: &btf.Pointer{Target: dentry}, Offset: 64},
	}}
	file := &btf.Struct{Name: "file", Size: 48, Members: []btf.Member{
		{Name: "f_path", Type: path},
		{Name: "f_flags", Type: uintT, Offset: 128},
		{Name: "f_mode", Type: fmodeT, Offset: 160},
		{Name: "f_pos", Type: loffT, Offset: 192},
		{Name: "private_data", Type: voidPtr, Offset: 256},
		{Name: "f_op", Type: &btf.Pointer{Target: &btf.Const{Type: fileOps}}, Offset: 320},
	}}
	state := &btf.Enum{Name: "task_state", Size: 4, Values: []btf.EnumValue{{Name: "TASK_RUNNING", Value: 0}, {Name: "TASK_DEAD", Value: 64}}}
	task := &btf.Struct{Name: "task_struct", Size: 88}
	task.Members = []btf.Member{
		{Name: "__state", Type: &btf.Volatile{Type: uintT}},
		{Name: "flags", Type: uintT, Offset: 32},
		{Name: "sched_reset_on_fork", Type: uintT, Offset: 64, BitfieldSize: 1},
		{Name: "sched_contributes_to_load", Type: uintT, Offset: 65, BitfieldSize: 1},
		{Name: "in_execve", Type: uintT, Offset: 66, BitfieldSize: 3},
		{Name: "pid", Type: intT, Offset: 96},
		{Name: "tgid", Type: intT, Offset: 128},
		{Name: "real_parent", Type: &btf.Pointer{Target: task}, Offset: 192},
		{Name: "comm", Type: array(char, 16), Offset: 256},
		{Name: "fds", Type: &btf.Pointer{Target: &btf.Pointer{Target: file}}, Offset: 384},
		{Name: "state", Type: state, Offset: 448},
		{Name: "fn", Type: &btf.Pointer{Target: &btf.FuncProto{Return: &btf.Void{}, Params: []btf.FuncParam{{Name: "x", Type: intT}}}}, Offset: 512},
		{Type: &btf.Union{Size: 8, Members: []btf.Member{{Name: "u_int", Type: intT}, {Name: "u_long", Type: long}}}, Offset: 576},
		{Name: "data", Type: array(char, 0), Offset: 640},
	}
	vfsRead := &btf.Func{Name: "vfs_read", Linkage: btf.GlobalFunc, Type: &btf.FuncProto{Return: ssizeT, Params: []btf.FuncParam{
		{Name: "file", Type: &btf.Pointer{Target: file}},
		{Name: "buf", Type: &btf.Pointer{Target: userChar}},
		{Name: "count", Type: sizeT},
		{Name: "pos", Type: &btf.Pointer{Target: loffT}},
	}}}
	b, err := btf.NewBuilder([]btf.Type{vfsRead, task}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	spec, err := b.Spec()
	if err != nil {
		tb.Fatal(err)
	}
	return spec
}

// funcProbe is a probe on function fn of spec: an entry probe, or with
// ret a return probe paired with its entry.
func funcProbe(tb testing.TB, spec *btf.Spec, fn string, ret bool) Probe {
	tb.Helper()
	var f *btf.Func
	if err := spec.TypeByName(fn, &f); err != nil {
		tb.Fatalf("%s: %v", fn, err)
	}
	proto := f.Type.(*btf.FuncProto)
	p := Probe{BTF: func() *btf.Spec { return spec }, Return: proto.Return, Returns: ret, Pairable: ret}
	for _, prm := range proto.Params {
		p.Args = append(p.Args, Param{Name: prm.Name, Type: prm.Type})
	}
	return p
}

// formatProbe is a tracepoint probe whose layout is a format file in
// ../tracefs/testdata/formats, copied from a 6.18 kernel.
func formatProbe(tb testing.TB, name string, spec *btf.Spec) Probe {
	tb.Helper()
	text, err := os.ReadFile(filepath.Join("..", "tracefs", "testdata", "formats", name+".format"))
	if err != nil {
		tb.Fatal(err)
	}
	f, err := tracefs.ParseFormat(string(text))
	if err != nil {
		tb.Fatal(err)
	}
	return Probe{Format: f, BTF: func() *btf.Spec { return spec }, UserPointers: f.Name == "sys_enter_openat"}
}

// usdtProbe is a USDT probe with the argument specs of sys/sdt.h's
// kinds: registers of each width, memory operands and a constant.
func usdtProbe(tb testing.TB) Probe {
	tb.Helper()
	args, err := usdt.ParseArgs("-4@%eax 8@-8(%rbp) -2@$-300 1@%dl 8@(%rsi)")
	if err != nil {
		tb.Fatal(err)
	}
	p := Probe{UserPointers: true}
	for i := range args {
		p.Args = append(p.Args, Param{USDT: &args[i]})
	}
	return p
}

// testProbes are the probes the fuzz targets compile against, by name.
func testProbes(tb testing.TB) map[string]Probe {
	tb.Helper()
	spec := syntheticBTF(tb)
	return map[string]Probe{
		"openat":    formatProbe(tb, "sys_enter_openat", spec),
		"switch":    formatProbe(tb, "sched_switch", spec),
		"exec":      formatProbe(tb, "sched_process_exec", nil),
		"vfs_read":  funcProbe(tb, spec, "vfs_read", false),
		"vfs_read%": funcProbe(tb, spec, "vfs_read", true),
		"usdt":      usdtProbe(tb),
		// A uretprobe on a function without debug information.
		"uret": {Returns: true, Pairable: true, UserPointers: true},
	}
}

func TestSyntheticBTF(t *testing.T) {
	probes := testProbes(t)
	tests := []struct{ probe, expr, want string }{
		{"vfs_read", "str(args.file->f_path.dentry->d_name.name)", `arg0 +8 *k +24 *k strk(256)`},
		{"vfs_read", "args.file->f_path.dentry->d_name.len", `arg0 +8 *k +20 readk(4)`},
		{"vfs_read", "((struct task_struct *)arg0)->in_execve", `arg0 +8 readk(4)`},
		{"vfs_read", "((struct task_struct *)arg0)->u_long", `arg0 +72 readk(8)`},
		{"vfs_read", "((struct task_struct *)arg0)->real_parent->comm", `arg0 +24 *k +32 strk(16)`},
		{"vfs_read", "((struct task_struct *)arg0)->fds[2]->f_pos", `arg0 +48 *k +16 *k +24 readk(8)`},
		{"vfs_read", "str(args.buf)", `arg1 stru(256)`},
		{"vfs_read%", "buf(args.buf, retval)", `arg1 bufu(len=[retval value], max 32752)`},
		{"openat", "str(args.filename)", `tp[24:8] stru(256)`},
		{"usdt", "arg1", `regs[32] -8 readu(8)`},
	}
	for _, tc := range tests {
		prog, err := Compile(probes[tc.probe], map[string]string{"x": tc.expr})
		if err != nil {
			t.Errorf("%s: %s: %v", tc.probe, tc.expr, err)
			continue
		}
		if got := prog.Describe()[0]; got != "x = "+tc.expr+": "+tc.want {
			t.Errorf("%s: %q, want %q", tc.probe, got, tc.want)
		}
	}
}
