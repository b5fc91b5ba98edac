package luaapi

import (
	"fmt"
	"regexp"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/attach"
	"github.com/luatrace/luatrace/bpf/capture"
	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/kernelbtf"
	"github.com/luatrace/luatrace/bpf/probespec"
	"github.com/luatrace/luatrace/luaapi/diag"
	"github.com/luatrace/luatrace/luaapi/event"
	"github.com/luatrace/luatrace/luaapi/kernel"
	"github.com/luatrace/luatrace/luaapi/maps"
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
		case event.Reserved(string(name)):
			err = &diag.Error{Msg: fmt.Sprintf("field name %q is taken by the event itself", string(name)), Hint: "choose another", Kind: diag.ErrScript}
		case !isStr:
			err = fmt.Errorf("field %s must be an expression string, got %s", string(name), v.Type())
		default:
			fields[string(name)] = string(expr)
		}
	})
	return fields, err
}

// compileCapture compiles a probe's fields and filter for one of its
// targets into spec.
func compileCapture(k *kernel.Conn, t *attach.Target, fields map[string]string, filter string, into []*maps.Map, spec *collector.Spec) (*capture.Program, error) {
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
				return nil, &diag.Error{Msg: "filter: comm is already set by the comm option", Hint: "give one of them", Kind: diag.ErrScript}
			}
			spec.Comm, spec.CommNot = f.Comm, f.CommNot
		}
		spec.Clauses = f.Clauses
	}
	if err := maps.Compile(k.Col, p, prog, into, spec); err != nil {
		return nil, err
	}
	spec.Fields = prog.Fetches
	spec.Calcs = prog.Calcs
	spec.Strings = prog.Strings
	spec.KernelStack, spec.UserStack = prog.KernelStack, prog.UserStack
	spec.Paired = prog.NeedsEntry
	return prog, nil
}

// describeCapture reports compiled fields with -v.
func describeCapture(prog *capture.Program) []string {
	if prog == nil {
		return nil
	}
	return prog.Describe()
}
