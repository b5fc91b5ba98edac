package capture

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/cilium/ebpf/btf"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/expr"
	"github.com/luatrace/luatrace/bpf/suggest"
	"github.com/luatrace/luatrace/bpf/tracefs"
	"github.com/luatrace/luatrace/bpf/unwind"
	"github.com/luatrace/luatrace/bpf/usdt"
)

// DefaultStrLen is how many bytes str() captures without an explicit size.
const DefaultStrLen = 256

// Param is one argument a probe provides, typed when BTF knows it.
type Param struct {
	Name string
	Type btf.Type // nil: an untyped 64-bit register
	// USDT, when set, says where a USDT argument lives instead.
	USDT *usdt.Arg
}

// Probe is what a probe offers expressions.
type Probe struct {
	// Args are argN; named ones are also args.NAME.
	Args []Param
	// Return is the return type for return probes (nil: untyped).
	Return btf.Type
	// Returns says retval is available (kretprobe, fexit, uretprobe).
	Returns bool
	// Format is the tracepoint's record layout, for args.NAME.
	Format *tracefs.Format
	// UserPointers makes pointer arguments point into user memory
	// (uprobes, syscall tracepoints).
	UserPointers bool
	// BTF returns the kernel's BTF, which resolves casts and types
	// curtask; nil, or a nil result, disables them. It is called only
	// when an expression needs types: decoding vmlinux's BTF took a
	// third of a map.count{key="comm"} startup.
	BTF func() *btf.Spec
	// Pairable: a kretprobe or uretprobe, whose arguments and duration
	// come from a paired entry probe when an expression uses them.
	Pairable bool
	// Stamps finds the script's stamp table NAME (stamp.go), creating it
	// when create is set; nil (and no error) when it does not exist. A nil
	// Stamps leaves stamps and since() out.
	Stamps func(name string, create bool) (*StampTable, error)
}

// Program is a probe's compiled captures.
type Program struct {
	Fetches []collector.Fetch
	Fields  []Field
	// KernelStack and UserStack: some field is kstack / ustack.
	KernelStack, UserStack bool
	// UserSample: some field is ustack(dwarf[, size]), unwound in user
	// space from this many bytes of stack (the largest size asked for).
	UserSample int
	// UserBuildID: some field is ustack(buildid), the kernel's build-id
	// frames.
	UserBuildID bool
	// NeedsEntry: a return probe's expressions use entry arguments or
	// duration, so an entry probe must save them.
	NeedsEntry bool
	// Calcs compute values in the kernel (filters, map keys and values).
	Calcs []collector.Calc
	// Strings are the constants string comparisons compare with.
	Strings []string
	// sinces are the since() reads computed so far, by canonical text.
	sinces map[string]kval
}

// Sections is how many field sections records of this program carry:
// the fetches, then the stacks.
func (p *Program) Sections() int {
	n := len(p.Fetches)
	if p.KernelStack {
		n++
	}
	if p.UserStack {
		n++
	}
	if p.UserSample > 0 {
		n++
	}
	if p.UserBuildID {
		n++
	}
	return n
}

// Field is a named capture and how to decode it.
type Field struct {
	Name, Expr string
	fetch      int // index in Fetches; -1 for header builtins
	kind       kind
	size       int
	signed     bool
	bitOff     uint32 // bitfields: bit offset within the read bytes
	bitSize    uint32
	header     string // builtin read from the record header
	derived    *expr.Node
}

type kind int

const (
	kindInt kind = iota
	kindPointer
	kindString
	kindBytes
	kindHeader
	kindKernelStack
	kindUserStack
	kindUserSample  // ustack(dwarf): registers and stack bytes, unwound in Go
	kindUserBuildID // ustack(buildid): build-id and offset per frame
	kindDerived     // arithmetic over other values, computed in Go
	// A stack a stamp saved, by its id in the collector's stack map
	// (NAME[KEY].kstack, .ustack): Value.StackID.
	kindKernelStackID
	kindUserStackID
)

// headerBuiltins are values every record carries in its header.
var headerBuiltins = map[string]bool{"pid": true, "tid": true, "uid": true, "gid": true, "comm": true, "cpu": true, "nsecs": true}

// ErrTooManyCaptures: a probe's fields need more fetches than the
// collector runs per event.
var ErrTooManyCaptures = errors.New("exceed the limit")

// Compile compiles named expressions for one probe. Fields are laid out
// in name order; a field may add hidden fetches (buf's length).
func Compile(p Probe, exprs map[string]string) (*Program, error) {
	names := make([]string, 0, len(exprs))
	for n := range exprs {
		names = append(names, n)
	}
	sort.Strings(names)
	prog := &Program{}
	for _, name := range names {
		c := &compiler{probe: p, prog: prog, src: exprs[name]}
		f, err := c.field(name)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", name, err)
		}
		prog.Fields = append(prog.Fields, f)
	}
	if len(prog.Fetches) > collector.MaxFields {
		return nil, fmt.Errorf("%d captures (including buffer lengths) %w of %d per probe", len(prog.Fetches), ErrTooManyCaptures, collector.MaxFields)
	}
	prog.placeStacks()
	return prog, nil
}

// placeStacks points stack fields at their sections, after the fetches
// (which a filter may still add to, so it is called again then).
func (p *Program) placeStacks() {
	for i := range p.Fields {
		switch p.Fields[i].kind {
		case kindKernelStack:
			p.Fields[i].fetch = len(p.Fetches)
		case kindUserStack:
			p.Fields[i].fetch = len(p.Fetches)
			if p.KernelStack {
				p.Fields[i].fetch++
			}
		case kindUserSample:
			p.Fields[i].fetch = p.Sections() - 1
			if p.UserBuildID {
				p.Fields[i].fetch--
			}
		case kindUserBuildID:
			p.Fields[i].fetch = p.Sections() - 1
		}
	}
}

type compiler struct {
	probe Probe
	prog  *Program
	src   string
}

// val is an expression being compiled: a fetch program in progress whose
// current value is either the value itself (an rvalue) or, when lvalue,
// the address of an object of type typ.
type val struct {
	f               collector.Fetch
	typ             btf.Type
	lvalue          bool
	user            bool // pointers in this value point into user memory
	bitOff, bitSize uint32
	isConst         bool
	c               int64
	header          string
	stackSize       int // header "ustack(dwarf)": stack bytes to copy
}

// snippet renders part of an expression inside a message, on one line:
// whitespace is not significant in expressions, so tabs and newlines
// become single spaces.
func snippet(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
}

func (c *compiler) errorf(n node, format string, args ...any) error {
	col := 0
	if n != nil {
		col = n.pos() + 1
	}
	return &Error{Expr: c.src, Col: col, Msg: fmt.Sprintf(format, args...)}
}

func (c *compiler) field(name string) (Field, error) {
	tree, err := parse(c.src)
	if err != nil {
		return Field{}, err
	}
	if c.isArithmetic(tree) {
		d, err := c.derive(tree)
		if err != nil {
			return Field{}, err
		}
		return Field{Name: name, Expr: c.src, fetch: -1, kind: kindDerived, derived: d}, nil
	}
	return c.fieldOf(name, tree)
}

// fieldOf compiles one captured value (no arithmetic around it).
func (c *compiler) fieldOf(name string, tree node) (Field, error) {
	if x, ok := tree.(call); ok && x.name == "since" {
		return c.sinceField(name, x)
	}
	if m, ix, ok := isStamped(tree); ok {
		return c.stampedField(name, m, ix)
	}
	v, err := c.expr(tree)
	if err != nil {
		return Field{}, err
	}
	f := Field{Name: name, Expr: c.src, fetch: -1}
	switch {
	case v.header == "kstack":
		f.kind, c.prog.KernelStack = kindKernelStack, true
		return f, nil
	case v.header == "ustack":
		f.kind, c.prog.UserStack = kindUserStack, true
		return f, nil
	case v.header == "ustack(dwarf)":
		f.kind, c.prog.UserSample = kindUserSample, max(c.prog.UserSample, v.stackSize)
		return f, nil
	case v.header == "ustack(buildid)":
		f.kind, c.prog.UserBuildID = kindUserBuildID, true
		return f, nil
	case v.header != "":
		f.kind, f.header = kindHeader, v.header
		return f, nil
	case v.isConst && isIdent(tree):
		// A USDT argument the compiler passed as an immediate.
		return Field{Name: name, Expr: c.src, fetch: -1, kind: kindDerived, derived: expr.Const(v.c)}, nil
	case v.isConst:
		return f, c.errorf(tree, "a constant is not worth capturing")
	}
	if v.f.Op == collector.OpStr || v.f.Op == collector.OpBuf {
		f.kind = kindString
		if v.f.Op == collector.OpBuf {
			f.kind = kindBytes
		}
		f.fetch = c.emit(v.f)
		return f, nil
	}
	t := btf.UnderlyingType(v.typ)
	if v.lvalue {
		switch x := t.(type) {
		case *btf.Array:
			if isChar(x.Type) {
				v.f.Op, v.f.MaxLen = collector.OpStr, int(x.Nelems)
				f.kind = kindString
				f.fetch = c.emit(v.f)
				return f, nil
			}
			return f, c.errorf(tree, "%s is an array; index it, or capture its bytes with buf()", typeName(v.typ))
		case *btf.Struct, *btf.Union:
			size, _ := typeSize(x)
			return f, c.errorf(tree, "%s is a %s (%d bytes); name a member, or capture its bytes with buf(&x, %d)", snippet(c.src), typeName(x), size, size)
		}
		size, err := typeSize(t)
		if err != nil || size == 0 || size > 8 {
			return f, c.errorf(tree, "cannot read a value of type %s", typeName(v.typ))
		}
		v.f.Op, v.f.Size = collector.OpRead, uint8(size)
		f.size, f.bitOff, f.bitSize = size, v.bitOff, v.bitSize
	} else {
		v.f.Op = collector.OpValue
		f.size = 8
		if size, err := typeSize(t); err == nil && size > 0 && size <= 8 {
			f.size = size
		}
	}
	f.kind, f.signed = scalarKind(t)
	f.fetch = c.emit(v.f)
	return f, nil
}

func scalarKind(t btf.Type) (kind, bool) {
	switch x := t.(type) {
	case *btf.Pointer:
		return kindPointer, false
	case *btf.Int:
		return kindInt, x.Encoding&btf.Signed != 0
	case *btf.Enum:
		return kindInt, x.Signed
	}
	return kindInt, false
}

// emit adds a fetch, or reuses an identical one: a recorded map's key
// parts are also hidden fields, and a probe has only MaxFields fetches.
// Strings are never shared, as their length is cut to fit where used.
func (c *compiler) emit(f collector.Fetch) int {
	if f.Op != collector.OpStr && !f.Late() {
		for i, g := range c.prog.Fetches {
			if g == f {
				return i
			}
		}
	}
	c.prog.Fetches = append(c.prog.Fetches, f)
	return len(c.prog.Fetches) - 1
}

func (c *compiler) expr(n node) (val, error) {
	switch x := n.(type) {
	case number:
		return val{isConst: true, c: x.v}, nil
	case ident:
		return c.ident(x)
	case member:
		return c.member(x)
	case index:
		return c.index(x)
	case cast:
		return c.cast(x)
	case call:
		return c.call(x)
	case unary:
		return c.unary(x)
	case binary:
		return c.binary(x)
	}
	return val{}, c.errorf(n, "unsupported expression")
}

// kernelBTF is the probe's BTF, nil when it has none.
func (c *compiler) kernelBTF() *btf.Spec {
	if c.probe.BTF == nil {
		return nil
	}
	return c.probe.BTF()
}

func (c *compiler) ident(x ident) (val, error) {
	switch {
	case headerBuiltins[x.name] || x.name == "kstack" || x.name == "ustack":
		return val{header: x.name}, nil
	case x.name == "curtask":
		var t btf.Type = u64Type
		if spec := c.kernelBTF(); spec != nil {
			if task, err := resolveType(spec, "struct task_struct *"); err == nil {
				t = task
			}
		}
		return val{f: collector.Fetch{Source: collector.FromCurtask}, typ: t}, nil
	case x.name == "cgroup":
		return val{f: collector.Fetch{Source: collector.FromCgroup}, typ: u64Type}, nil
	case x.name == "duration":
		if !c.probe.Pairable {
			return val{}, c.errorf(x, "duration exists in kretprobe and uretprobe: the time since the matching entry")
		}
		c.prog.NeedsEntry = true
		return val{header: x.name}, nil
	case x.name == "retval":
		if !c.probe.Returns {
			return val{}, c.errorf(x, "retval exists only in return probes (kretprobe, fexit, uretprobe)")
		}
		t := c.probe.Return
		if t == nil {
			t = s64Type
		}
		return val{f: collector.Fetch{Source: collector.FromRetval}, typ: t, user: c.probe.UserPointers}, nil
	case strings.HasPrefix(x.name, "arg"):
		i, err := strconv.Atoi(x.name[3:])
		if err != nil || i < 0 || i >= collector.MaxArgs {
			break
		}
		return c.arg(x, i)
	case x.name == "args":
		return val{}, c.errorf(x, "args needs a field name: args.NAME")
	}
	return val{}, c.errorf(x, "unknown name %q%s", x.name, suggest.Phrase(x.name, c.knownNames()))
}

func (c *compiler) knownNames() []string {
	names := []string{"retval", "duration", "curtask", "cgroup", "pid", "tid", "uid", "gid", "comm", "cpu", "nsecs", "kstack", "ustack", "str", "buf", "uptr", "kptr"}
	for i := range c.probe.Args {
		names = append(names, "arg"+strconv.Itoa(i))
	}
	return names
}

func (c *compiler) arg(n node, i int) (val, error) {
	if c.probe.Pairable {
		// At return the registers no longer hold the arguments: the
		// paired entry probe saves the first six.
		if i >= 6 {
			return val{}, c.errorf(n, "arg%d is not saved at entry; return probes see arg0..arg5", i)
		}
		c.prog.NeedsEntry = true
	}
	var t btf.Type = u64Type
	if i < len(c.probe.Args) && c.probe.Args[i].USDT != nil {
		return usdtArg(c.probe.Args[i].USDT), nil
	}
	if i < len(c.probe.Args) && c.probe.Args[i].Type != nil {
		t = c.probe.Args[i].Type
	} else if len(c.probe.Args) > 0 && i >= len(c.probe.Args) {
		return val{}, c.errorf(n, "arg%d does not exist: the function has %d arguments", i, len(c.probe.Args))
	}
	v := val{f: collector.Fetch{Source: collector.FromArg, Index: uint8(i)}, typ: t, user: c.probe.UserPointers}
	if p, ok := btf.As[*btf.Pointer](t); ok && userTagged(p) {
		v.user = true
	}
	return v, nil
}

// argsField resolves args.NAME: a BTF-named argument or a tracepoint field.
func (c *compiler) argsField(x member) (val, error) {
	var names []string
	for i, p := range c.probe.Args {
		if p.Name == x.name {
			return c.arg(x, i)
		}
		names = append(names, p.Name)
	}
	if f := c.probe.Format; f != nil {
		for _, fld := range f.Fields {
			if fld.Common {
				continue
			}
			names = append(names, fld.Name)
			if fld.Name != x.name {
				continue
			}
			if fld.ArrayLen > 0 && !fld.DataLoc {
				return tracepointArray(fld), nil
			}
			if fld.DataLoc || fld.Size > 8 {
				return val{}, c.errorf(x, "args.%s is already decoded in e.args.%s; capture only pointers, numbers and fixed arrays from tracepoint fields", x.name, x.name)
			}
			t := formatType(fld.Type, fld.Size, fld.Signed)
			return val{f: collector.Fetch{Source: collector.FromTracepoint, TracepointOffset: uint16(fld.Offset), TracepointSize: uint8(fld.Size)},
				typ: t, user: c.probe.UserPointers}, nil
		}
	}
	if len(names) == 0 {
		return val{}, c.errorf(x, "this probe has no named arguments (no BTF or tracepoint format); use argN")
	}
	return val{}, c.errorf(x, "no argument args.%s%s; this probe has: %s", x.name, suggest.Phrase(x.name, names), strings.Join(names, ", "))
}

// tracepointArray captures a fixed array of the tracepoint record where it
// lies: a char array as a string (as e.args decodes it), any other as its
// bytes, all of them (tcp:*'s __u8 saddr_v6[16]), which a map key can hold.
func tracepointArray(fld tracefs.Field) val {
	f := collector.Fetch{Source: collector.FromTracepointAddress, TracepointOffset: uint16(fld.Offset),
		Op: collector.OpBuf, MaxLen: fld.Size, LenField: collector.NoLenField}
	if tracefs.IsCharType(fld.Type) {
		f.Op = collector.OpStr
	}
	return val{f: f}
}

// load turns an lvalue pointer into its value: one more pointer load.
func (c *compiler) load(n node, v val) (val, error) {
	if !v.lvalue {
		return v, nil
	}
	t := btf.UnderlyingType(v.typ)
	size, err := typeSize(t)
	if err != nil || size != 8 {
		return v, c.errorf(n, "cannot use a %s here: only pointers and 64-bit values can be followed", typeName(v.typ))
	}
	if v.f.Derefs >= collector.MaxDerefs {
		return v, c.errorf(n, "follows more than %d pointers", collector.MaxDerefs)
	}
	d := v.f.Derefs
	v.f.User[d] = v.user
	v.f.Derefs++
	v.lvalue = false
	if p, ok := t.(*btf.Pointer); ok && userTagged(p) {
		v.user = true
	}
	return v, nil
}

// deref turns a pointer rvalue into an lvalue of its target.
func (c *compiler) deref(n node, v val) (val, error) {
	v, err := c.load(n, v)
	if err != nil {
		return v, err
	}
	p, ok := btf.As[*btf.Pointer](v.typ)
	if !ok {
		if i, isInt := btf.As[*btf.Int](v.typ); isInt && i.Size == 8 {
			return v, c.errorf(n, "%s is an integer, not a pointer; cast it first, e.g. ((struct sock *)arg0)->...", snippet(c.src[n.pos():]))
		}
		return v, c.errorf(n, "%s is not a pointer", typeName(v.typ))
	}
	v.typ, v.lvalue = p.Target, true
	v.f.User[v.f.Derefs] = v.user
	return v, nil
}

func (c *compiler) member(x member) (val, error) {
	if id, ok := x.x.(ident); ok && id.name == "args" && !x.arrow {
		return c.argsField(x)
	}
	v, err := c.expr(x.x)
	if err != nil {
		return v, err
	}
	if x.arrow {
		if !isPointer(v.typ) {
			if i, ok := btf.As[*btf.Int](v.typ); ok && i.Size == 8 && !v.lvalue {
				return v, c.errorf(x, "-> needs a pointer, but %s is an integer; cast it first, e.g. ((struct sock *)arg0)->%s", snippet(c.src[:max(0, x.pos()-2)]), x.name)
			}
			return v, c.errorf(x, "-> needs a pointer, but the value is a %s; use . for members of a struct", typeName(v.typ))
		}
		if v, err = c.deref(x, v); err != nil {
			return v, err
		}
	} else if !v.lvalue || isPointer(v.typ) {
		return v, c.errorf(x, ". needs a struct, but the value is a %s; use -> to follow a pointer", typeName(v.typ))
	}
	members, ok := compositeMembers(btf.UnderlyingType(v.typ))
	if !ok {
		return v, c.errorf(x, "%s has no members", typeName(v.typ))
	}
	m, off, found := findMember(members, x.name)
	if !found {
		return v, c.errorf(x, "%s has no member %q%s", typeName(v.typ), x.name, suggest.Phrase(x.name, memberNames(members)))
	}
	v.f.Offsets[v.f.Derefs] += int32(off / 8)
	v.typ, v.lvalue = m.Type, true
	v.bitOff, v.bitSize = 0, uint32(m.BitfieldSize)
	if m.BitfieldSize > 0 {
		// Read the aligned container and shift in Go.
		size, _ := typeSize(m.Type)
		start := off / 8 / uint32(size) * uint32(size)
		v.f.Offsets[v.f.Derefs] += int32(start) - int32(off/8)
		v.bitOff = off - start*8
	}
	return v, nil
}

func isPointer(t btf.Type) bool {
	_, ok := btf.As[*btf.Pointer](t)
	return ok
}

// findMember looks through anonymous structs and unions; off is in bits.
func findMember(members []btf.Member, name string) (btf.Member, uint32, bool) {
	for _, m := range members {
		if m.Name == name {
			return m, uint32(m.Offset), true
		}
		if m.Name == "" {
			if inner, ok := compositeMembers(btf.UnderlyingType(m.Type)); ok {
				if im, off, found := findMember(inner, name); found {
					return im, uint32(m.Offset) + off, true
				}
			}
		}
	}
	return btf.Member{}, 0, false
}

// compositeMembers lists a struct's or union's members.
func compositeMembers(t btf.Type) ([]btf.Member, bool) {
	switch x := t.(type) {
	case *btf.Struct:
		return x.Members, true
	case *btf.Union:
		return x.Members, true
	}
	return nil, false
}

func memberNames(members []btf.Member) []string {
	var names []string
	for _, m := range members {
		if m.Name != "" {
			names = append(names, m.Name)
		} else if inner, ok := compositeMembers(btf.UnderlyingType(m.Type)); ok {
			names = append(names, memberNames(inner)...)
		}
	}
	return names
}

func (c *compiler) index(x index) (val, error) {
	v, err := c.expr(x.x)
	if err != nil {
		return v, err
	}
	i, err := c.expr(x.i)
	if err != nil {
		return v, err
	}
	if !i.isConst {
		return v, c.errorf(x.i, "an index must be a constant")
	}
	var elem btf.Type
	switch t := btf.UnderlyingType(v.typ).(type) {
	case *btf.Array:
		if !v.lvalue {
			return v, c.errorf(x, "cannot index this array")
		}
		if i.c < 0 || uint32(i.c) >= t.Nelems && t.Nelems > 0 {
			return v, c.errorf(x.i, "index %d is outside %s", i.c, typeName(v.typ))
		}
		elem = t.Type
	case *btf.Pointer:
		if v, err = c.deref(x, v); err != nil {
			return v, err
		}
		elem = t.Target
	default:
		return v, c.errorf(x, "%s is neither an array nor a pointer", typeName(v.typ))
	}
	size, err := typeSize(elem)
	if err != nil {
		return v, c.errorf(x, "elements of %s have no known size", typeName(v.typ))
	}
	v.f.Offsets[v.f.Derefs] += int32(i.c) * int32(size)
	v.typ, v.lvalue = elem, true
	return v, nil
}

func (c *compiler) cast(x cast) (val, error) {
	t, err := resolveType(c.kernelBTF(), x.typ)
	if err != nil {
		return val{}, c.errorf(x, "%v", err)
	}
	v, err := c.expr(x.x)
	if err != nil {
		return v, err
	}
	if v.header != "" || v.isConst {
		return v, c.errorf(x, "cannot cast this value")
	}
	if v, err = c.load(x, v); err != nil {
		return v, err
	}
	v.typ = t
	if p, ok := t.(*btf.Pointer); ok && userTagged(p) {
		v.user = true
	}
	return v, nil
}

func (c *compiler) unary(x unary) (val, error) {
	v, err := c.expr(x.x)
	if err != nil {
		return v, err
	}
	switch x.op {
	case "*":
		return c.deref(x, v)
	case "&":
		if !v.lvalue {
			return v, c.errorf(x, "& needs an object in memory")
		}
		v.lvalue, v.typ = false, &btf.Pointer{Target: v.typ}
		return v, nil
	case "-":
		if v.isConst {
			n, _ := expr.ApplyUnary(x.op, uint64(v.c), v.c < 0)
			v.c = int64(n)
			return v, nil
		}
	}
	return v, c.errorf(x, "operator %s is not supported in captured fields", x.op)
}

// binary supports pointer or value plus/minus a constant in fields;
// general arithmetic comes with kernel-side filters.
func (c *compiler) binary(x binary) (val, error) {
	l, err := c.expr(x.l)
	if err != nil {
		return l, err
	}
	r, err := c.expr(x.r)
	if err != nil {
		return r, err
	}
	if l.isConst && r.isConst && (x.op == "+" || x.op == "-" || x.op == "*") {
		v, _ := expr.Apply(x.op, uint64(l.c), l.c < 0, uint64(r.c), r.c < 0)
		return val{isConst: true, c: int64(v)}, nil
	}
	if (x.op == "+" || x.op == "-") && r.isConst && l.header == "" {
		if l, err = c.load(x, l); err != nil {
			return l, err
		}
		scale := int64(1)
		if p, ok := btf.As[*btf.Pointer](l.typ); ok {
			if size, err := typeSize(p.Target); err == nil && size > 0 {
				scale = int64(size)
			}
		}
		d := r.c * scale
		if x.op == "-" {
			d = -d
		}
		l.f.Offsets[l.f.Derefs] += int32(d)
		return l, nil
	}
	return l, c.errorf(x, "operator %s is not supported in captured fields (only pointer ± constant)", x.op)
}

func (c *compiler) call(x call) (val, error) {
	switch x.name {
	case "uptr", "kptr":
		if len(x.args) != 1 {
			return val{}, c.errorf(x, "%s takes one pointer", x.name)
		}
		v, err := c.expr(x.args[0])
		if err != nil {
			return v, err
		}
		if v, err = c.load(x, v); err != nil {
			return v, err
		}
		v.user = x.name == "uptr"
		return v, nil
	case "str":
		return c.capture(x, collector.OpStr)
	case "buf":
		return c.capture(x, collector.OpBuf)
	case "since":
		return val{}, c.errorf(x, "since() is a number computed in the kernel: capture it alone or in arithmetic, or use it in a filter or a map's key or value")
	case "ustack":
		return c.ustackMode(x)
	}
	return val{}, c.errorf(x, "unknown function %s()%s", x.name, suggest.Phrase(x.name, []string{"str", "buf", "uptr", "kptr", "since", "ustack"}))
}

// Stack modes ustack(MODE[, size]) names: the kernel's frame-pointer
// walk, or registers plus a copy of the stack unwound in luatrace with
// the binaries' CFI, as perf --call-graph fp|dwarf, or the kernel's
// frame-pointer walk reported as build-id and file offset per frame.
const (
	StackFP      = "fp"
	StackDWARF   = "dwarf"
	StackBuildID = "buildid"
)

// ustackMode compiles ustack(fp) (the same as ustack), ustack(buildid)
// and ustack(dwarf[, size]).
func (c *compiler) ustackMode(x call) (val, error) {
	usage := "ustack takes a mode and, for dwarf, the stack bytes to copy: ustack(fp), ustack(buildid), ustack(dwarf) or ustack(dwarf, 16384)"
	if len(x.args) < 1 || len(x.args) > 2 {
		return val{}, c.errorf(x, "%s", usage)
	}
	mode, ok := x.args[0].(ident)
	if !ok || mode.name != StackFP && mode.name != StackDWARF && mode.name != StackBuildID {
		return val{}, c.errorf(x.args[0], "%s", usage)
	}
	if mode.name != StackDWARF {
		if len(x.args) != 1 {
			return val{}, c.errorf(x.args[1], "ustack(%s) copies no stack bytes: %s", mode.name, usage)
		}
		if mode.name == StackBuildID {
			return val{header: "ustack(buildid)"}, nil
		}
		return val{header: "ustack"}, nil
	}
	size := unwind.DefaultStackSize
	if len(x.args) == 2 {
		n, ok := x.args[1].(number)
		if !ok || n.v < 8 || n.v > int64(collector.MaxUserSample) {
			return val{}, c.errorf(x.args[1], "ustack(dwarf, SIZE) copies 8 to %d bytes of stack (default %d, like perf)", collector.MaxUserSample, unwind.DefaultStackSize)
		}
		size = int(n.v)
	}
	return val{header: "ustack(dwarf)", stackSize: size}, nil
}

// capture compiles str(p[, n]) and buf(p, n).
func (c *compiler) capture(x call, op collector.Op) (val, error) {
	if len(x.args) < 1 || len(x.args) > 2 || op == collector.OpBuf && len(x.args) != 2 {
		if op == collector.OpStr {
			return val{}, c.errorf(x, "str takes a pointer and an optional size: str(p[, n])")
		}
		return val{}, c.errorf(x, "buf takes a pointer and a size: buf(p, n)")
	}
	v, err := c.expr(x.args[0])
	if err != nil {
		return v, err
	}
	maxLen := DefaultStrLen
	if arr, ok := btf.As[*btf.Array](v.typ); ok && v.lvalue {
		// A char array in memory: capture it where it is.
		v.lvalue, v.typ = false, &btf.Pointer{Target: arr.Type}
		if op == collector.OpStr {
			maxLen = int(arr.Nelems)
		}
	} else if v, err = c.load(x, v); err != nil {
		return v, err
	}
	switch btf.UnderlyingType(v.typ).(type) {
	case *btf.Pointer:
	case *btf.Int:
		// Untyped registers (and explicit u64/s64 casts) may hold addresses.
		if !addressLike(v.typ) {
			return v, c.errorf(x.args[0], "%s() needs a pointer, not a %s", x.name, typeName(v.typ))
		}
	default:
		return v, c.errorf(x.args[0], "%s() needs a pointer, not a %s", x.name, typeName(v.typ))
	}
	v.f.User[v.f.Derefs] = v.user
	v.f.Op, v.f.LenField = op, collector.NoLenField
	if len(x.args) == 2 {
		n, err := c.expr(x.args[1])
		if err != nil {
			return n, err
		}
		switch {
		case n.isConst:
			if n.c <= 0 || n.c > int64(collector.MaxFieldBytes) {
				return n, c.errorf(x.args[1], "size %d is outside 1..%d", n.c, collector.MaxFieldBytes)
			}
			maxLen = int(n.c)
		case op == collector.OpStr:
			return n, c.errorf(x.args[1], "str()'s size must be a constant")
		default:
			if n.header != "" {
				return n, c.errorf(x.args[1], "a buffer length cannot be %s", n.header)
			}
			if n.lvalue {
				size, err := typeSize(btf.UnderlyingType(n.typ))
				if err != nil || size > 8 {
					return n, c.errorf(x.args[1], "the length must be a number")
				}
				n.f.Op, n.f.Size = collector.OpRead, uint8(size)
			} else {
				n.f.Op = collector.OpValue
			}
			v.f.LenField = uint8(c.emit(n.f))
			maxLen = collector.MaxFieldBytes
		}
	}
	v.f.MaxLen = maxLen
	v.typ = nil
	return v, nil
}

// addressLike reports whether an integer type may stand for an address:
// the untyped 64-bit registers and the u64/s64 cast types.
func addressLike(t btf.Type) bool {
	return t == u64Type || t == s64Type || t == baseTypes["u64"] || t == baseTypes["s64"]
}
