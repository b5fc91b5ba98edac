package capture

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"

	"github.com/luatrace/luatrace/bpf/tracefs"
)

func TestParseErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"arg0 +", `unexpected end at column 7 of "arg0 +"`},
		{"str(arg0", `expected "," or ")" in the arguments of str at column 9`},
		{"a $ b", `unexpected character '$' at column 3`},
		{"(struct)arg0", `expected a type`},
		{"x.", `expected a member name after "." at column 3`},
		{"arg0[1", `expected "]", found "" at column 7`},
	}
	for _, tc := range tests {
		_, err := parse(tc.expr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parse(%q) = %v, want %q", tc.expr, err, tc.want)
		}
	}
}

// kernelProbe is a kprobe-like probe on fn with this kernel's BTF.
func kernelProbe(t *testing.T, fn string) Probe {
	t.Helper()
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI kernels have BTF: %v", err)
		}
		t.Skipf("no kernel BTF: %v", err)
	}
	var f *btf.Func
	if err := spec.TypeByName(fn, &f); err != nil {
		t.Fatalf("%s: %v", fn, err)
	}
	proto := f.Type.(*btf.FuncProto)
	p := Probe{BTF: func() *btf.Spec { return spec }, Return: proto.Return, Returns: true}
	for _, prm := range proto.Params {
		p.Args = append(p.Args, Param{Name: prm.Name, Type: prm.Type})
	}
	return p
}

// Compiled forms against this kernel's BTF. Offsets vary by kernel, so
// they are matched as numbers; the shape (loads, address spaces,
// operations) is what the test pins.
func TestCompileAgainstBTF(t *testing.T) {
	p := kernelProbe(t, "vfs_read")
	tests := []struct{ expr, want string }{
		{"str(args.file->f_path.dentry->d_name.name)", `^arg0 \+\d+ \*k \+\d+ \*k strk\(256\)$`},
		{"str(((struct file *)arg0)->f_path.dentry->d_name.name, 64)", `^arg0 \+\d+ \*k \+\d+ \*k strk\(64\)$`},
		{"args.file->f_pos", `^arg0 \+\d+ readk\(8\)$`},
		{"buf(uptr(arg1), retval)", `^arg1 bufu\(len=\[retval value\], max 32752\)$`},
		{"args.count", `^arg2 value$`},
		// struct sock_common's port sits in anonymous unions.
		{"((struct sock *)arg0)->__sk_common.skc_dport", `^arg0 \+\d+ readk\(2\)$`},
		// msghdr → iov_iter → the union with __ubuf_iovec.
		{"((struct msghdr *)arg0)->msg_iter.__ubuf_iovec.iov_base", `^arg0 \+\d+ readk\(8\)$`},
		{"str(((struct task_struct *)arg0)->comm)", `^arg0 \+\d+ strk\(16\)$`},
		{"((struct task_struct *)arg0)->comm", `^arg0 \+\d+ strk\(16\)$`},
		{"((struct task_struct *)arg0)->real_parent->tgid", `^arg0 \+\d+ \*k \+\d+ readk\(4\)$`},
		{"&((struct task_struct *)arg0)->comm", `^arg0 \+\d+ value$`},
		{"comm", `^header comm$`},
	}
	for _, tc := range tests {
		prog, err := Compile(p, map[string]string{"x": tc.expr})
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		got := strings.TrimPrefix(prog.Describe()[0], "x = "+tc.expr+": ")
		if !regexp.MustCompile(tc.want).MatchString(got) {
			t.Errorf("%s compiled to %q, want %s", tc.expr, got, tc.want)
		}
	}
}

// A bitfield is read through its aligned container and shifted in Go.
func TestCompileBitfield(t *testing.T) {
	p := kernelProbe(t, "vfs_read")
	spec := p.BTF()
	var task *btf.Struct
	if err := spec.TypeByName("task_struct", &task); err != nil {
		t.Fatal(err)
	}
	var bit btf.Member
	for _, m := range task.Members {
		if m.BitfieldSize > 0 && m.Name != "" {
			bit = m
			break
		}
	}
	if bit.Name == "" {
		t.Skip("task_struct has no named bitfield on this kernel")
	}
	prog, err := Compile(p, map[string]string{"b": "((struct task_struct *)arg0)->" + bit.Name})
	if err != nil {
		t.Fatal(err)
	}
	f := prog.Fields[0]
	size, _ := btf.Sizeof(bit.Type)
	if f.bitSize != uint32(bit.BitfieldSize) || f.size != size || uint32(bit.Offset)%uint32(size*8) != f.bitOff {
		t.Errorf("bitfield %s (offset %d bits, %d bits wide): compiled %+v", bit.Name, bit.Offset, bit.BitfieldSize, f)
	}
}

func TestCompileErrors(t *testing.T) {
	p := kernelProbe(t, "vfs_read")
	tests := []struct{ expr, want string }{
		{"args.file->f_psos", `struct file has no member "f_psos" (did you mean f_pos?)`},
		{"args.file.f_pos", `. needs a struct, but the value is a struct file *; use -> to follow a pointer`},
		{"args.file->f_path->dentry", `-> needs a pointer, but the value is a struct path; use . for members of a struct`},
		{"arg0->f_pos", ``}, // typed by BTF: arg0 is struct file *
		{"str(args.count)", `str() needs a pointer, not a size_t`},
		{"str(args.buf)", ``},
		{"str(args.file->f_pos)", `str() needs a pointer, not a loff_t`},
		{"args.fil", `no argument args.fil (did you mean file?)`},
		{"arg7", `arg7 does not exist: the function has 4 arguments`},
		{"(struct nosuchthing *)arg0", `no type "struct nosuchthing" in kernel BTF`},
		{"*args.file", `*args.file is a struct file (`},
		{"foo(arg0)", `unknown function foo()`},
		{"args.file->f_pos * str(args.buf)", `only numbers can be computed with`},
		{"buf(arg1, 0)", `size 0 is outside 1..32752`},
	}
	for _, tc := range tests {
		_, err := Compile(p, map[string]string{"x": tc.expr})
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.expr, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.expr, err, tc.want)
		}
	}
	entry := p
	entry.Returns = false
	if _, err := Compile(entry, map[string]string{"x": "retval"}); err == nil || !strings.Contains(err.Error(), "retval exists only in return probes") {
		t.Errorf("retval on an entry probe: %v", err)
	}
}

// openatProbe is a tracepoint probe on a record shaped like
// sys_enter_openat's, with a char array added.
func openatProbe(t *testing.T) Probe {
	t.Helper()
	f, err := tracefs.ParseFormat(`name: sys_enter_openat
ID: 1
format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:int dfd;	offset:16;	size:8;	signed:0;
	field:const char * filename;	offset:24;	size:8;	signed:0;
	field:char comm[16];	offset:40;	size:16;	signed:0;
`)
	if err != nil {
		t.Fatal(err)
	}
	return Probe{Format: f, UserPointers: true}
}

func TestCompileTracepoint(t *testing.T) {
	p := openatProbe(t)
	prog, err := Compile(p, map[string]string{"path": "str(args.filename)", "dfd": "args.dfd"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"dfd = args.dfd: tp[16:8] value", "path = str(args.filename): tp[24:8] stru(256)"}
	if got := prog.Describe(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q", got)
	}
	if prog.Fields[0].size != 4 || !prog.Fields[0].signed {
		t.Errorf("int dfd in an 8-byte slot must decode as a signed 4-byte value: %+v", prog.Fields[0])
	}
	// A char array is text, as e.args decodes it (other arrays: TestTracepointArrays).
	if prog, err := Compile(p, map[string]string{"c": "args.comm"}); err != nil || prog.Describe()[0] != "c = args.comm: &tp[40] strk(16)" || prog.Fields[0].kind != kindString {
		t.Errorf("char array field: %v %q", err, prog.Describe())
	}
}

// TestFetchesShared: fields reading the same value share one fetch (a
// recorded map's key parts are also hidden fields, and a probe has
// MaxFields fetches); strings are never shared, as each is cut to fit
// where it is used.
func TestFetchesShared(t *testing.T) {
	tests := []struct {
		fields  map[string]string
		fetches int
	}{
		{map[string]string{"a": "args.dfd", "b": "args.dfd", "c": "args.dfd + 1"}, 1},
		{map[string]string{"a": "args.dfd", "b": "args.filename"}, 2},
		{map[string]string{"a": "str(args.filename)", "b": "str(args.filename)"}, 2},
	}
	for _, tc := range tests {
		prog, err := Compile(openatProbe(t), tc.fields)
		if err != nil {
			t.Fatalf("%v: %v", tc.fields, err)
		}
		if len(prog.Fetches) != tc.fetches {
			t.Errorf("%v: %d fetches, want %d: %q", tc.fields, len(prog.Fetches), tc.fetches, prog.Describe())
		}
	}
}

// TestTracepointArrays: a fixed array of a tracepoint record is read
// where it lies: a char array as a string, any other as all its bytes,
// which a map key holds whole (tcpretrans -c keys on saddr_v6).
func TestTracepointArrays(t *testing.T) {
	p := formatProbe(t, "inet_sock_set_state", nil)
	fields := []struct {
		expr, describe string
		kind           kind
	}{
		{"args.saddr", "&tp[32] bufk(4)", kindBytes},
		{"args.saddr_v6", "&tp[40] bufk(16)", kindBytes},
	}
	for _, tc := range fields {
		prog, err := Compile(p, map[string]string{"a": tc.expr})
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got := prog.Describe(); len(got) != 1 || got[0] != "a = "+tc.expr+": "+tc.describe || prog.Fields[0].kind != tc.kind {
			t.Errorf("%s: %q kind %d, want %q kind %d", tc.expr, got, prog.Fields[0].kind, tc.describe, tc.kind)
		}
	}
	keys := []struct {
		keys   []string
		widths []int // per part
		err    string
	}{
		{[]string{"args.family", "args.saddr_v6", "args.daddr_v6", "args.sport"}, []int{8, 16, 16, 8}, ""},
		{[]string{"args.saddr"}, []int{4}, ""},
		{[]string{"buf(args.skaddr, 16)"}, []int{16}, ""},
		{[]string{"buf(args.skaddr, 65)"}, nil, "a buffer key has a constant size of at most 64 bytes"},
		{[]string{"buf(args.skaddr, args.sport)"}, nil, "a buffer key has a constant size"},
		{[]string{"args.saddr + 1"}, nil, "only numbers can be computed with"},
	}
	for _, tc := range keys {
		u, err := CompileMapUpdate(p, &Program{}, tc.keys, "")
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("keys %q: %v, want %q", tc.keys, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("keys %q: %v", tc.keys, err)
			continue
		}
		offset := 0
		for i, d := range u.Decode {
			buffer := tc.widths[i] != 8 || strings.Contains(tc.keys[i], "addr")
			if d.Width != tc.widths[i] || d.Offset != offset || (d.Kind == KeyBuffer) != buffer {
				t.Errorf("keys %q: part %d is kind %d, %d bytes at %d; want %d bytes at %d, buffer %v", tc.keys, i, d.Kind, d.Width, d.Offset, tc.widths[i], offset, buffer)
			}
			offset += (tc.widths[i] + 7) &^ 7
		}
		if u.KeyBytes != offset+8 {
			t.Errorf("keys %q: %d bytes, want %d", tc.keys, u.KeyBytes, offset+8)
		}
	}
}

func TestCompileFilter(t *testing.T) {
	p := kernelProbe(t, "vfs_read")
	tests := []struct {
		expr    string
		clauses string // Operand/Cmp/Signed/Size/Value per clause
		comm    string
		fetches int
	}{
		{`retval > 0`, "16 4 true 8 0", "", 0},
		{`0 < retval`, "16 4 true 8 0", "", 0},
		{`args.file->f_pos > args.count`, "24 1 false 8 0", "", 2},
		{`(args.count & 0xff) == 3`, "24 0 false 8 3", "", 1},
		{`duration / 1000 > 5`, "24 4 false 8 5", "", 0},
		{`pid != 1 && pid != 2 && pid != 3 && pid != 4 && pid != 5`, "8 1 false 0 1;8 1 false 0 2;8 1 false 0 3;26 1 false 8 0", "", 0},
		{`pid == 42 && tid != 7`, "8 0 false 0 42;9 1 false 0 7", "", 0},
		{`comm != "bash"`, "", "!bash", 0},
		{`args.count >= 4096 && uid == 0`, "0 5 false 8 4096;10 0 false 0 0", "", 1},
		{`args.file->f_flags == 1`, "0 0 false 4 1", "", 1},
	}
	p.Pairable = true
	for _, tc := range tests {
		prog := &Program{}
		f, err := CompileFilter(p, prog, tc.expr)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		var got []string
		for _, cl := range f.Clauses {
			got = append(got, fmt.Sprintf("%d %d %v %d %d", cl.Operand, cl.Cmp, cl.Signed, cl.Size, cl.Value))
		}
		comm := f.Comm
		if f.CommNot {
			comm = "!" + comm
		}
		if strings.Join(got, ";") != tc.clauses || comm != tc.comm || len(prog.Fetches) != tc.fetches {
			t.Errorf("%s: clauses %q comm %q fetches %d", tc.expr, strings.Join(got, ";"), comm, len(prog.Fetches))
		}
	}
	for expr, want := range map[string]string{
		`retval`:           "comparisons joined by && and ||",
		`args.count < "x"`: "strings compare with == and != only",
		`(pid == 1 || pid == 2) && (tid == 3 || tid == 4) && uid == 0`: "expands to 12 comparisons",
		`str(args.buf) == "0123456789012345678901234567890123"`:        "strings of up to 31 bytes",
		`1 < 2`:             "this comparison is constant",
		`args.count == "x"`: "only strings compare with a string",
	} {
		if _, err := CompileFilter(p, &Program{}, expr); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", expr, err, want)
		}
	}
}

func TestDerivedFields(t *testing.T) {
	p := kernelProbe(t, "vfs_read")
	tests := []struct{ expr, want string }{
		{"duration / 1000", "computed from (duration / 1000)"},
		{"args.count * 2 + 1", "computed from (([arg2 value] * 2) + 1)"},
		{"retval > 0 && args.count != 0", "computed from (([retval value] > 0) && ([arg2 value] != 0))"},
		{"args.file->f_flags & 0x8000", "computed from ([arg0 +"},
		{"args.buf + 16", "arg1 +16 value"}, // a pointer plus a constant is an address
		{"-retval", "computed from -[retval value]"},
	}
	for _, tc := range tests {
		p.Pairable = true
		prog, err := Compile(p, map[string]string{"x": tc.expr})
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		got := strings.TrimPrefix(prog.Describe()[0], "x = "+tc.expr+": ")
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %q, want prefix %q", tc.expr, got, tc.want)
		}
	}
	if _, err := Compile(p, map[string]string{"x": "str(args.buf) + 1"}); err == nil || !strings.Contains(err.Error(), "only numbers can be computed with") {
		t.Errorf("string arithmetic: %v", err)
	}
}

// || and ! become groups of clauses (an OR of ANDs), negations pushed
// into the comparisons.
func TestCompileFilterGroups(t *testing.T) {
	p := kernelProbe(t, "vfs_read")
	tests := []struct{ expr, want string }{
		{`pid == 1 || pid == 2`, "g0 8 0 1;g1 8 0 2"},
		{`(pid == 1 || tid == 2) && uid == 0`, "g0 8 0 1;g0 10 0 0;g1 9 0 2;g1 10 0 0"},
		{`!(pid == 1 || tid == 2)`, "g0 8 1 1;g0 9 1 2"},
		{`!(retval > 0)`, "g0 16 3 0"},
		{`comm == "a" || pid == 1`, "g0 24 1 0;g1 8 0 1"},
		{`str(args.buf) != "x"`, "g0 24 0 0"},
		{`pid == 1 || pid == 2 || pid == 3 || pid == 4 || pid == 5`, "g0 8 0 1;g1 8 0 2;g2 8 0 3;g3 26 1 0"},
	}
	for _, tc := range tests {
		f, err := CompileFilter(p, &Program{}, tc.expr)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		var got []string
		for _, cl := range f.Clauses {
			got = append(got, fmt.Sprintf("g%d %d %d %d", cl.Group, cl.Operand, cl.Cmp, cl.Value))
		}
		if strings.Join(got, ";") != tc.want {
			t.Errorf("%s: %q, want %q", tc.expr, strings.Join(got, ";"), tc.want)
		}
	}
}

// Hostile expressions end in a clear error, in bounded time and stack.
func TestExpressionLimits(t *testing.T) {
	p := testProbes(t)["vfs_read%"]
	tests := []struct{ as, expr, want string }{
		{"field", strings.Repeat("(", 100000) + "arg0" + strings.Repeat(")", 100000), "an expression of 200004 bytes exceeds the limit of 4096"},
		{"field", strings.Repeat("(", 200) + "arg0" + strings.Repeat(")", 200), "nests deeper than 64 levels at column 65"},
		{"field", strings.Repeat("!", 3000) + "arg0", "nests deeper than 64 levels"},
		{"field", strings.Repeat("arg0 + ", 500) + "1", "nests deeper than 64 levels"},
		{"field", strings.Repeat("f(", 100) + strings.Repeat(")", 100), "nests deeper than 64 levels"},
		{"filter", strings.Repeat("(pid == 1 || pid == 2) && ", 30) + "tid == 2", "expands to 160 comparisons or more"},
		{"filter", strings.Repeat("!(pid == 1 && pid == 2) && ", 30) + "tid == 2", "expands to 160 comparisons or more"},
		{"field", "arg0 / 0", "division by zero: / 0 is always 0 at column 6"},
		{"field", "args.count % (0)", "division by zero: % 0 is always 0"},
		{"filter", "pid / 0 == 1", "division by zero"},
		{"value", "args.count % 0", "division by zero"},
	}
	for _, tc := range tests {
		var err error
		switch tc.as {
		case "field":
			_, err = Compile(p, map[string]string{"x": tc.expr})
		case "filter":
			_, err = CompileFilter(p, &Program{}, tc.expr)
		case "value":
			_, err = CompileMapUpdate(p, &Program{}, nil, tc.expr)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %.40q...: %v, want %q", tc.as, tc.expr, err, tc.want)
		}
		if err != nil && len(err.Error()) > 400 {
			t.Errorf("%s %.40q...: a message of %d bytes", tc.as, tc.expr, len(err.Error()))
		}
	}
}

// String literals, in either quote, are constant key parts: they take no
// bytes of the kernel's key and decode to themselves.
func TestMapKeyLiterals(t *testing.T) {
	p := testProbes(t)["vfs_read%"]
	tests := []struct {
		keys     []string
		literals []string // per key part, "" for a kernel part
		bytes    int      // the key's size, bucket included
	}{
		{[]string{`"reads"`}, []string{"reads"}, 8},
		{[]string{`'reads'`}, []string{"reads"}, 8},
		{[]string{`'it''s'`}, nil, 0}, // two literals side by side: a parse error
		{[]string{`'a\'b"c'`}, []string{`a'b"c`}, 8},
		{[]string{`"a\"b'c"`}, []string{`a"b'c`}, 8},
		{[]string{`"read"`, "pid"}, []string{"read", ""}, 16},
		{[]string{"pid", `"read"`, "tid"}, []string{"", "read", ""}, 24},
	}
	for _, tc := range tests {
		u, err := CompileMapUpdate(p, &Program{}, tc.keys, "")
		if tc.literals == nil {
			if err == nil {
				t.Errorf("keys %q: compiled, want an error", tc.keys)
			}
			continue
		}
		if err != nil {
			t.Errorf("keys %q: %v", tc.keys, err)
			continue
		}
		if u.KeyBytes != tc.bytes || len(u.Decode) != len(tc.keys) {
			t.Errorf("keys %q: %d bytes, %d parts; want %d bytes, %d parts", tc.keys, u.KeyBytes, len(u.Decode), tc.bytes, len(tc.keys))
			continue
		}
		for i, d := range u.Decode {
			if (d.Kind == KeyLiteral) != (tc.literals[i] != "") || d.Literal != tc.literals[i] {
				t.Errorf("keys %q: part %d is kind %d literal %q, want literal %q", tc.keys, i, d.Kind, d.Literal, tc.literals[i])
			}
		}
	}
	if _, err := CompileMapUpdate(p, &Program{}, nil, `"reads"`); err == nil || !strings.Contains(err.Error(), `make it the key (key = "\"reads\"")`) {
		t.Errorf("a string value: %v, want the key hint", err)
	}
}
