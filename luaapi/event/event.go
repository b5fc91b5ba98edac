// Package event is the event a callback receives: a userdata over the raw
// record whose fields decode when they are read (e.pid, e.args.NAME, the
// captured fields, stacks), and e:table() for a plain snapshot.
package event

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/attach"
	"github.com/luatrace/luatrace/bpf/capture"
	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/suggest"
	"github.com/luatrace/luatrace/luaapi/stack"
	"github.com/luatrace/luatrace/luaapi/udata"
	"github.com/luatrace/luatrace/luaapi/value"
)

// Type is the event userdata. Hot paths cache Type.Metatable and set it
// themselves.
var Type = udata.New[*Event]("luatrace.event", "event")

// Event is the userdata a callback receives. Fields decode from the raw
// record on access, so an event costs one allocation until it is read.
type Event struct {
	rec       collector.Record
	target    *attach.Target
	args      *lua.LTable // decoded args view, built on first use
	capture   *capture.Program
	fieldData []collector.FieldData // split on first use
	syms      *stack.Symbols
	optional  []string // names read as nil: an alias's fields on other kernels
	names     *Names   // nil: none interned
}

// New returns the event of rec (one at a time, for replay; the live
// reader takes a batch's from an Arena), a record of target whose captured fields
// prog describes (nil without any); syms names its stacks' frames. The
// optional names read as nil instead of raising an error: fields the
// probe's alias captures only on other kernels.
func New(rec collector.Record, target *attach.Target, prog *capture.Program, syms *stack.Symbols, optional []string) *Event {
	return &Event{rec: rec, target: target, capture: prog, syms: syms, optional: optional}
}

// argsIndexKey names, in the registry, the __index shared by the
// metatables of args tables; argsMetaKey the table of those metatables by
// target name.
const (
	argsIndexKey = "luatrace.event.args.__index"
	argsMetaKey  = "luatrace.event.args.metatables"
)

// Open registers the event metatable.
func Open(L *lua.LState) {
	L.SetField(L.Get(lua.RegistryIndex), argsIndexKey, L.NewFunction(argsIndex))
	L.SetField(L.Get(lua.RegistryIndex), argsMetaKey, L.NewTable())
	mt := Type.Metatable(L)
	L.SetField(mt, "__index", L.NewFunction(eventIndex))
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		ev := Type.Check(L, 1)
		L.Push(lua.LString(ev.target.Name + " pid=" + strconv.Itoa(int(ev.rec.PID())) + " comm=" + ev.rec.Comm()))
		return 1
	}))
}

// eventFields lists what every event answers, for e:table() and errors.
var eventFields = []string{"pid", "tid", "uid", "gid", "comm", "cpu", "ts", "probe", "func"}

// Reserved reports whether a captured field may not be called name: the
// event answers it itself (pid, args, arg0, table, ...).
func Reserved(name string) bool {
	if slices.Contains(eventFields, name) {
		return true
	}
	switch name {
	case "args", "retval", "ip", "table", "status", "duration":
		return true
	}
	return strings.HasPrefix(name, "arg") && len(name) > 3 && name[3] >= '0' && name[3] <= '9' || Hidden(name)
}

// Hidden reports whether a captured field is luatrace's own (a recording
// captures map keys and values so): e:table() leaves it out and scripts
// may not take the name.
func Hidden(name string) bool { return strings.HasPrefix(name, HiddenPrefix) }

// HiddenPrefix starts the names of luatrace's own fields.
const HiddenPrefix = "__"

// capturedOnly are the expression names an event answers only when a
// field captured them (bpftrace's builtins that are not in the header),
// with the capture to suggest.
var capturedOnly = map[string]string{
	"kstack":  `kstack = "kstack"`,
	"ustack":  `ustack = "ustack"`,
	"cgroup":  `cgroup = "cgroup"`,
	"curtask": `task = "curtask"`,
}

func eventIndex(L *lua.LState) int {
	ev := Type.Check(L, 1)
	key := L.CheckString(2)
	L.Push(ev.field(L, key))
	return 1
}

// field decodes one named field; a name the event cannot have raises an
// error (argN past the arguments, retval of an entry probe are nil).
func (ev *Event) field(L *lua.LState, key string) lua.LValue {
	rec := ev.rec
	switch key {
	case "pid":
		return lua.LNumber(rec.PID())
	case "tid":
		return lua.LNumber(rec.TID())
	case "uid":
		return lua.LNumber(rec.UID())
	case "gid":
		return lua.LNumber(rec.GID())
	case "comm":
		return ev.names.comm(rec.CommBytes())
	case "cpu":
		return lua.LNumber(rec.CPU())
	case "ts":
		return value.Uint(rec.Timestamp())
	case "probe":
		return lua.LString(ev.target.Name)
	case "func":
		return lua.LString(ev.target.Func)
	case "retval":
		if !returnsValue(ev.target) {
			return lua.LNil
		}
		return value.Int(int64(rec.Retval()))
	case "ip":
		if ip := rec.IP(); ip != 0 {
			return value.Uint(ip)
		}
		return lua.LNil
	case "args":
		return ev.argsTable(L)
	case "duration":
		if d := rec.Duration(); d != 0 {
			return value.Uint(d)
		}
		return lua.LNil
	case "table":
		return L.NewFunction(eventTable)
	case "status":
		return L.NewFunction(eventStatus)
	}
	if v, ok := ev.captured(key); ok {
		return ev.luaValue(L, v)
	}
	if fix, ok := capturedOnly[key]; ok {
		L.RaiseError("e.%s is not in the event unless captured: add fields = { %s } to %s's options", key, fix, ev.target.Name)
	}
	if key == "nsecs" {
		L.RaiseError("e.nsecs is not in the event: the time the probe fired is e.ts")
	}
	if n, ok := strings.CutPrefix(key, "arg"); ok {
		if i, err := strconv.Atoi(n); err == nil {
			if v, ok := rec.Arg(i); ok {
				return value.Int(int64(v))
			}
			return lua.LNil
		}
	}
	if !slices.Contains(ev.optional, key) {
		ev.raiseUnknown(L, key)
	}
	return lua.LNil
}

// raiseUnknown raises the error for a name the event does not answer: a
// typo reads as an error naming the fields there are, not as nil.
func (ev *Event) raiseUnknown(L *lua.LState, key string) {
	names := append(slices.Clone(eventFields), "args", "retval", "ip", "duration")
	var captured []string
	if ev.capture != nil {
		for _, f := range ev.capture.Fields {
			if !Hidden(f.Name) {
				captured = append(captured, f.Name)
			}
		}
	}
	has := "no captured fields"
	if len(captured) > 0 {
		has = "captured fields " + strings.Join(captured, ", ")
	}
	L.RaiseError("e.%s is not a field of %s's events%s: they have %s, arg0..argN and %s",
		key, ev.target.Name, suggest.Phrase(key, append(names, captured...)), strings.Join(names, ", "), has)
}

func returnsValue(t *attach.Target) bool { return t.Spec.Kind.Return() }

// argsTable is e.args: tracepoint fields from the format file, or the
// function's BTF parameter names.
func (ev *Event) argsTable(L *lua.LState) lua.LValue {
	if ev.args != nil {
		return ev.args
	}
	t := L.NewTable()
	var pointers map[string]string // string pointers by name: their C type
	if ev.target.Format != nil {
		pointers = decodeTracepoint(L, t, ev.target.Format, ev.rec.Payload())
	} else if ev.target.USDT != nil {
		for i := range ev.target.USDTArgs {
			name := "arg" + strconv.Itoa(i)
			v, _ := ev.captured(name)
			t.RawSetString(name, ev.luaValue(L, v))
		}
	} else {
		for i, p := range ev.target.Params {
			if p.Name != "" && isStringPointer(p.Type) {
				if pointers == nil {
					pointers = map[string]string{}
				}
				pointers[p.Name] = btfTypeName(p.Type)
				continue
			}
			if raw, ok := ev.rec.Arg(i); ok && p.Name != "" {
				if v, signed := p.Decode(raw); signed {
					t.RawSetString(p.Name, value.Int(int64(v)))
				} else {
					t.RawSetString(p.Name, value.Uint(v))
				}
			}
		}
	}
	if mt := ev.argsMetatable(L, pointers); mt != nil {
		L.SetMetatable(t, mt)
	}
	ev.args = t
	return t
}

// argNames lists the argument names the target's events may have: the
// tracepoint's format fields, the function's BTF parameters or the USDT
// note's arguments; nil when nothing names them (a kprobe without BTF).
func (ev *Event) argNames() []string {
	var names []string
	switch {
	case ev.target.Format != nil:
		for _, fld := range ev.target.Format.Fields {
			if !fld.Common {
				names = append(names, fld.Name)
			}
		}
	case ev.target.USDT != nil:
		for i := range ev.target.USDTArgs {
			names = append(names, "arg"+strconv.Itoa(i))
		}
	default:
		for _, p := range ev.target.Params {
			if p.Name != "" {
				names = append(names, p.Name)
			}
		}
	}
	return names
}

// argsMetatable is the metatable of the target's args tables, made once
// per target name: reading a string pointer raises an error naming the
// capture that gives the string, and reading a name the target does not
// have raises one listing those it has (a typo is not a silent nil).
func (ev *Event) argsMetatable(L *lua.LState, pointers map[string]string) *lua.LTable {
	cache, ok := L.GetField(L.Get(lua.RegistryIndex), argsMetaKey).(*lua.LTable)
	if !ok {
		return nil
	}
	if mt, ok := cache.RawGetString(ev.target.Name).(*lua.LTable); ok {
		return mt
	}
	names := ev.argNames()
	if names == nil && pointers == nil {
		return nil
	}
	mt := L.CreateTable(0, len(names)+3)
	for _, name := range names {
		mt.RawSetString(name, lua.LTrue)
	}
	for name, ctype := range pointers {
		mt.RawSetString(name, lua.LString(ctype))
	}
	mt.RawSetString("__index", L.GetField(L.Get(lua.RegistryIndex), argsIndexKey))
	mt.RawSetString("__probe", lua.LString(ev.target.Name))
	mt.RawSetString("__names", lua.LString(strings.Join(names, ", ")))
	cache.RawSetString(ev.target.Name, mt)
	return mt
}

// argsIndex is __index of an args table: a name the table lacks is either
// a string pointer (an error naming the capture that gives the string), a
// known argument without a value here (nil), or not an argument of the
// probe (an error listing those it has).
func argsIndex(L *lua.LState) int {
	name := L.CheckString(2)
	mt, ok := L.GetMetatable(L.CheckTable(1)).(*lua.LTable)
	if !ok || strings.HasPrefix(name, "__") {
		return 0
	}
	probe := mt.RawGetString("__probe").String()
	switch known := mt.RawGetString(name).(type) {
	case lua.LString:
		L.RaiseError("e.args.%s is a pointer (%s), not the string: capture it with fields = { %s = \"str(args.%s)\" } in %s's options and read e.%s",
			name, string(known), name, name, probe, name)
	case lua.LBool:
		return 0
	}
	names := mt.RawGetString("__names").String()
	if names == "" {
		L.RaiseError("e.args.%s: %s has no arguments", name, probe)
	}
	L.RaiseError("e.args.%s: %s has no argument %s%s; it has %s",
		name, probe, name, suggest.Phrase(name, strings.Split(names, ", ")), names)
	return 0
}

// eventTable implements e:table(): a plain snapshot of every field.
func eventTable(L *lua.LState) int {
	ev := Type.Check(L, 1)
	t := L.NewTable()
	for _, k := range eventFields {
		t.RawSetString(k, ev.field(L, k))
	}
	for _, k := range []string{"retval", "ip"} {
		if v := ev.field(L, k); v != lua.LNil {
			t.RawSetString(k, v)
		}
	}
	for i := 0; i < ev.rec.NArgs(); i++ {
		t.RawSetString("arg"+strconv.Itoa(i), ev.field(L, "arg"+strconv.Itoa(i)))
	}
	if ev.capture != nil {
		for _, f := range ev.capture.Fields {
			if Hidden(f.Name) {
				continue
			}
			v, _ := ev.captured(f.Name)
			t.RawSetString(f.Name, ev.luaValue(L, v))
		}
	}
	if args := ev.argsTable(L).(*lua.LTable); nonEmpty(args) {
		t.RawSetString("args", args)
	}
	L.Push(t)
	return 1
}

func nonEmpty(t *lua.LTable) bool {
	k, _ := t.Next(lua.LNil)
	return k != lua.LNil
}

// captured returns the named capture of the event, or nil.
func (ev *Event) captured(name string) (capture.Value, bool) {
	if ev.capture == nil {
		return capture.Value{}, false
	}
	for _, f := range ev.capture.Fields {
		if f.Name == name {
			if ev.fieldData == nil {
				ev.fieldData = ev.rec.Fields(ev.capture.Sections())
			}
			return f.Decode(ev.rec, ev.fieldData), true
		}
	}
	return capture.Value{}, false
}

func (ev *Event) luaValue(L *lua.LState, v capture.Value) lua.LValue {
	return Value(L, v, ev.syms, int(ev.rec.PID()))
}

// Value is a decoded capture as Lua sees it: a number (the 64-bit rule),
// a string, or a stack of process pid named by syms.
func Value(L *lua.LState, v capture.Value, syms *stack.Symbols, pid int) lua.LValue {
	switch v.Kind {
	case capture.Stack:
		if v.Dwarf {
			return stack.NewUnwound(L, syms, v.Sample, pid)
		}
		if v.ByID {
			// A part a stamp saved: a user stack of the stamped process.
			if v.PID != 0 {
				pid = v.PID
			}
			return stack.New(L, syms, syms.StackByID(v.StackID), v.User, pid)
		}
		if v.BuildIDs != nil {
			return stack.NewBuildID(L, syms, v.BuildIDs, pid)
		}
		return stack.New(L, syms, v.Frames, v.User, pid)
	case capture.Int:
		return value.Int(int64(v.N))
	case capture.Uint:
		return value.Uint(v.N)
	}
	return lua.LString(v.B)
}

// eventStatus implements e:status(name): "ok", "fault" or "truncated".
func eventStatus(L *lua.LState) int {
	ev := Type.Check(L, 1)
	name := L.CheckString(2)
	v, ok := ev.captured(name)
	if !ok {
		L.ArgError(2, fmt.Sprintf("no captured field %q", name))
	}
	L.Push(lua.LString(v.Status.String()))
	return 1
}
