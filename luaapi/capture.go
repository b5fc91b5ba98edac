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

// compileCapture compiles a probe's fields, filter, maps and stamp for one
// of its targets into spec.
func compileCapture(k *kernel.Conn, t *attach.Target, po *parsedOptions, stamps *stampTables, spec *collector.Spec) (*capture.Program, error) {
	fields, filter := po.fields, po.filter
	kind := t.Spec.Kind.Info()
	p := capture.Probe{Format: t.Format, Return: t.Return, Returns: kind.Returns, Pairable: kind.Entry != 0, StampTable: stamps.number,
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
	if err := maps.Compile(k.Col, p, prog, po.into, spec); err != nil {
		return nil, err
	}
	if po.stamp != "" {
		if spec.Stamp, err = capture.CompileStamp(p, prog, po.stamp); err != nil {
			return nil, fmt.Errorf("stamp: %w", err)
		}
	}
	spec.Fields = prog.Fetches
	spec.Calcs = prog.Calcs
	spec.Strings = prog.Strings
	spec.KernelStack, spec.UserStack = prog.KernelStack, prog.UserStack
	spec.UserSample = prog.UserSample
	spec.Paired = prog.NeedsEntry
	return prog, nil
}

// stampTables numbers the script's stamp tables (probe option stamp,
// since()) for the collector, the same number for every probe.
type stampTables map[string]uint16

// maxStampTables is how many stamp table names a script may use (the
// collector numbers them in 16 bits).
const maxStampTables = 1<<16 - 1

func (st *stampTables) number(name string) (uint16, error) {
	if id, ok := (*st)[name]; ok {
		return id, nil
	}
	if len(*st) >= maxStampTables {
		return 0, fmt.Errorf("more than %d stamp tables", maxStampTables)
	}
	if *st == nil {
		*st = stampTables{}
	}
	id := uint16(len(*st) + 1)
	(*st)[name] = id
	return id, nil
}

// describeCapture reports compiled fields with -v.
func describeCapture(prog *capture.Program) []string {
	if prog == nil {
		return nil
	}
	return prog.Describe()
}
