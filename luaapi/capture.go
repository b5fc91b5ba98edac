package luaapi

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/attach"
	"github.com/luatrace/luatrace/bpf/capture"
	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/kernelbtf"
	"github.com/luatrace/luatrace/bpf/probespec"
	"github.com/luatrace/luatrace/luaapi/value"
)

var fieldName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// parseFields reads opts.fields: a table of name = "expression".
func parseFields(v lua.LValue) (map[string]string, error) {
	t, ok := v.(*lua.LTable)
	if !ok {
		return nil, fmt.Errorf(`option fields must be a table of name = "expression", got %s`, v.Type())
	}
	fields := map[string]string{}
	var err error
	t.ForEach(func(k, v lua.LValue) {
		if err != nil {
			return
		}
		name, ok := k.(lua.LString)
		expr, isStr := v.(lua.LString)
		switch {
		case !ok || !fieldName.MatchString(string(name)):
			err = fmt.Errorf("field names must be Lua names, got %s", k.String())
		case slices.Contains(eventFields, string(name)) || reservedField(string(name)):
			err = fmt.Errorf("field name %q is taken by the event itself; choose another", string(name))
		case !isStr:
			err = fmt.Errorf("field %s must be an expression string, got %s", string(name), v.Type())
		default:
			fields[string(name)] = string(expr)
		}
	})
	return fields, err
}

func reservedField(name string) bool {
	switch name {
	case "args", "retval", "ip", "table", "status", "duration":
		return true
	}
	return strings.HasPrefix(name, "arg") && len(name) > 3 && name[3] >= '0' && name[3] <= '9'
}

// compileCapture compiles a probe's fields and filter for one of its
// targets into spec.
func compileCapture(k *kernel, t *attach.Target, fields map[string]string, filter string, into []*luaMap, spec *collector.Spec) (*capture.Program, error) {
	kind := t.Spec.Kind.Info()
	p := capture.Probe{Format: t.Format, Return: t.Return, Returns: kind.Returns, Pairable: kind.Entry != 0,
		UserPointers: kind.Site == probespec.InProcess || t.Spec.Kind == probespec.Tracepoint && t.Group == "syscalls"}
	for _, prm := range t.Params {
		p.Args = append(p.Args, capture.Param{Name: prm.Name, Type: prm.Type})
	}
	p.Args = append(p.Args, usdtParams(t)...)
	fields = withUSDTArgs(t, fields)
	if kernelBTF, err := kernelbtf.Kernel(); err == nil {
		p.BTF = kernelBTF
	}
	prog, err := capture.Compile(p, fields)
	if err != nil {
		return nil, usdtLimitHint(t, err)
	}
	if filter != "" {
		f, err := capture.CompileFilter(p, prog, filter)
		if err != nil {
			return nil, fmt.Errorf("filter: %w", err)
		}
		if f.Comm != "" {
			if spec.Comm != "" {
				return nil, fmt.Errorf("filter: comm is already set by the comm option; give one of them")
			}
			spec.Comm, spec.CommNot = f.Comm, f.CommNot
		}
		spec.Clauses = f.Clauses
	}
	if err := compileInto(k, p, prog, into, spec); err != nil {
		return nil, err
	}
	spec.Fields = prog.Fetches
	spec.Calcs = prog.Calcs
	spec.Strings = prog.Strings
	spec.KernelStack, spec.UserStack = prog.KernelStack, prog.UserStack
	spec.Paired = prog.NeedsEntry
	return prog, nil
}

// captured returns the named capture of the event, or nil.
func (ev *event) captured(name string) (capture.Value, bool) {
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

func (ev *event) luaValue(L *lua.LState, v capture.Value) lua.LValue {
	switch v.Kind {
	case capture.Stack:
		return ev.r.newStack(L, v.Frames, v.User, int(ev.rec.PID()))
	case capture.Int:
		return value.Int(int64(v.N))
	case capture.Uint:
		return value.Uint(v.N)
	}
	return lua.LString(v.B)
}

// eventStatus implements e:status(name): "ok", "fault" or "truncated".
func eventStatus(L *lua.LState) int {
	ev := checkEvent(L, 1)
	name := L.CheckString(2)
	v, ok := ev.captured(name)
	if !ok {
		L.ArgError(2, fmt.Sprintf("no captured field %q", name))
	}
	L.Push(lua.LString(v.Status.String()))
	return 1
}

// describeCapture reports compiled fields with -v.
func describeCapture(prog *capture.Program) []string {
	if prog == nil {
		return nil
	}
	return prog.Describe()
}
