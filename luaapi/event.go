package luaapi

import (
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/attach"
	"github.com/luatrace/luatrace/bpf/capture"
	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/luaapi/value"
)

const eventTypeName = "luatrace.event"

// event is the userdata a callback receives. Fields decode from the raw
// record on access, so an event costs one allocation until it is read.
type event struct {
	rec       collector.Record
	target    *attach.Target
	args      *lua.LTable // decoded args view, built on first use
	capture   *capture.Program
	fieldData []collector.FieldData // split on first use
	r         *Runtime
}

func (r *Runtime) installEvent() {
	mt := r.L.NewTypeMetatable(eventTypeName)
	r.L.SetField(mt, "__index", r.L.NewFunction(eventIndex))
	r.L.SetField(mt, "__tostring", r.L.NewFunction(func(L *lua.LState) int {
		ev := checkEvent(L, 1)
		L.Push(lua.LString(ev.target.Name + " pid=" + strconv.Itoa(int(ev.rec.PID())) + " comm=" + ev.rec.Comm()))
		return 1
	}))
}

func checkEvent(L *lua.LState, n int) *event {
	ud := L.CheckUserData(n)
	if ev, ok := ud.Value.(*event); ok {
		return ev
	}
	L.ArgError(n, "event expected")
	return nil
}

// eventFields lists what every event answers, for e:table() and errors.
var eventFields = []string{"pid", "tid", "uid", "gid", "comm", "cpu", "ts", "probe", "func"}

func eventIndex(L *lua.LState) int {
	ev := checkEvent(L, 1)
	key := L.CheckString(2)
	L.Push(ev.field(L, key))
	return 1
}

// field decodes one named field; unknown names are nil, as for a table.
func (ev *event) field(L *lua.LState, key string) lua.LValue {
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
		return lua.LString(rec.Comm())
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
	if n, ok := strings.CutPrefix(key, "arg"); ok {
		i, err := strconv.Atoi(n)
		if err != nil {
			return lua.LNil
		}
		if v, ok := rec.Arg(i); ok {
			return value.Int(int64(v))
		}
	}
	return lua.LNil
}

func returnsValue(t *attach.Target) bool { return t.Spec.Kind.Return() }

// argsTable is e.args: tracepoint fields from the format file, or the
// function's BTF parameter names.
func (ev *event) argsTable(L *lua.LState) lua.LValue {
	if ev.args != nil {
		return ev.args
	}
	t := L.NewTable()
	if ev.target.Format != nil {
		decodeTracepoint(L, t, ev.target.Format, ev.rec.Payload())
	} else if ev.target.USDT != nil {
		for i := range ev.target.USDTArgs {
			name := "arg" + strconv.Itoa(i)
			v, _ := ev.captured(name)
			t.RawSetString(name, ev.luaValue(L, v))
		}
	} else {
		for i, p := range ev.target.Params {
			if raw, ok := ev.rec.Arg(i); ok && p.Name != "" {
				if v, signed := p.Decode(raw); signed {
					t.RawSetString(p.Name, value.Int(int64(v)))
				} else {
					t.RawSetString(p.Name, value.Uint(v))
				}
			}
		}
	}
	ev.args = t
	return t
}

// eventTable implements e:table(): a plain snapshot of every field.
func eventTable(L *lua.LState) int {
	ev := checkEvent(L, 1)
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

// dispatch runs the callbacks of a batch of records. Once StopGrace has
// passed after a Ctrl-C the rest of the batch is counted as discarded
// instead.
func (r *Runtime) dispatch(batch []collector.Record) {
	k := r.kernel
	defer k.queue(-int64(len(batch)), -batchBytes(batch))
	mt := r.L.GetTypeMetatable(eventTypeName)
	for i, rec := range batch {
		if r.exited {
			return
		}
		if r.halt.drain.over() {
			k.count(batch[i:], leftAtStop)
			return
		}
		if rec.Check() != nil {
			continue
		}
		b, ok := k.lookup(rec.ProbeID())
		if !ok {
			continue // a detached probe whose slot serves another now
		}
		p := b.probe
		if p.detached || p.fn == nil {
			continue
		}
		ud := r.L.NewUserData()
		ud.Value = &event{rec: rec, target: b.target, capture: b.capture, r: r}
		ud.Metatable = mt
		r.call(p.fn, p.Spec.Raw, ud, p.fatal)
	}
}
