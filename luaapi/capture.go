package luaapi

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/cilium/ebpf/btf"
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
			err = fmt.Errorf("field names must be Lua names, got %s", value.Describe(k))
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
	p := capture.Probe{Format: t.Format, Return: t.Return, Returns: kind.Returns, Pairable: kind.Entry != 0, Stamps: stamps.table,
		UserPointers: kind.Site == probespec.InProcess || t.Spec.Kind == probespec.Tracepoint && t.Group == "syscalls"}
	for _, prm := range t.Params {
		p.Args = append(p.Args, capture.Param{Name: prm.Name, Type: prm.Type})
	}
	p.Args = append(p.Args, usdtParams(t)...)
	fields = withUSDTArgs(t, fields)
	p.BTF = func() *btf.Spec {
		spec, _ := kernelbtf.Kernel() // nil without BTF: casts say so
		return spec
	}
	prog, err := capture.Compile(p, fields)
	if err != nil {
		return nil, usdtLimitHint(t, err)
	}
	// The stamp first: a probe may read (since()) the table it stamps.
	if po.stamp != "" {
		if spec.Stamp, err = capture.CompileStamp(p, prog, po.stamp, po.saved); err != nil {
			return nil, fmt.Errorf("stamp: %w", err)
		}
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
	spec.Fields = prog.Fetches
	spec.Calcs = prog.Calcs
	spec.Strings = prog.Strings
	spec.KernelStack, spec.UserStack = prog.KernelStack, prog.UserStack
	spec.UserSample = prog.UserSample
	spec.UserBuildIDStack = prog.UserBuildID
	spec.Paired = prog.NeedsEntry
	return prog, nil
}

// stampTables are the script's stamp tables (probe option stamp,
// since()) by name, numbered for the collector the same for every probe.
type stampTables map[string]*capture.StampTable

func (st *stampTables) table(name string, create bool) (*capture.StampTable, error) {
	if t, ok := (*st)[name]; ok || !create {
		return t, nil
	}
	if len(*st) >= collector.MaxStampTables {
		return nil, fmt.Errorf("more than %d stamp tables", collector.MaxStampTables)
	}
	if *st == nil {
		*st = stampTables{}
	}
	t := &capture.StampTable{Name: name, ID: uint16(len(*st) + 1)}
	(*st)[name] = t
	return t, nil
}

// parseStamp reads opts.stamp: "NAME[KEY]", or a table of "NAME[KEY]"
// and the parts the stamp saves, each a name that is also its
// expression ("kstack", "comm", "pid") or NAME = "expression".
func parseStamp(v lua.LValue) (string, []capture.SavedExpr, error) {
	const want = `option stamp must be a stamp table and key such as "queued[args.pid]", or a table such as {"away[args.prev_pid]", "kstack", "comm"}`
	switch x := v.(type) {
	case lua.LString:
		if x == "" {
			return "", nil, errors.New(want)
		}
		return string(x), nil, nil
	case *lua.LTable:
		ref, ok := x.RawGetInt(1).(lua.LString)
		if !ok || ref == "" {
			return "", nil, errors.New(want)
		}
		var saved []capture.SavedExpr
		var err error
		x.ForEach(func(k, v lua.LValue) {
			e, isStr := v.(lua.LString)
			switch k := k.(type) {
			case lua.LNumber:
				if k == 1 {
					return
				}
				if !isStr || !fieldName.MatchString(string(e)) {
					err = fmt.Errorf("stamp %s: a saved part is a name such as \"kstack\" or NAME = \"expression\", got %s", ref, v.String())
					return
				}
				saved = append(saved, capture.SavedExpr{Name: string(e), Expr: string(e)})
			case lua.LString:
				if !fieldName.MatchString(string(k)) || !isStr {
					err = fmt.Errorf("stamp %s: a saved part is a name such as \"kstack\" or NAME = \"expression\", got %s = %s", ref, k, v.String())
					return
				}
				saved = append(saved, capture.SavedExpr{Name: string(k), Expr: string(e)})
			default:
				err = errors.New(want)
			}
		})
		// By name: probes that list the same parts in another order
		// save them alike.
		slices.SortFunc(saved, func(a, b capture.SavedExpr) int { return strings.Compare(a.Name, b.Name) })
		for i := 1; i < len(saved); i++ {
			if saved[i].Name == saved[i-1].Name {
				err = fmt.Errorf("stamp %s saves %s twice", ref, saved[i].Name)
			}
		}
		return string(ref), saved, err
	}
	return "", nil, errors.New(want)
}

// describeCapture reports compiled fields with -v.
func describeCapture(prog *capture.Program) []string {
	if prog == nil {
		return nil
	}
	return prog.Describe()
}
