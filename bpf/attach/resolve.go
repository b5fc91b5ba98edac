package attach

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cilium/ebpf/btf"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/kernelbtf"
	"github.com/luatrace/luatrace/bpf/probes"
	"github.com/luatrace/luatrace/bpf/probespec"
	"github.com/luatrace/luatrace/bpf/tracefs"
)

// dataLocSlack is how many bytes past a tracepoint's fixed fields are copied
// so __data_loc strings come along; longer dynamic data is cut there.
const dataLocSlack = 1024

// Resolve expands a kernel-side spec into the concrete targets it names,
// checking that each exists. A wildcard that matches nothing is an error;
// matches that cannot take a probe are returned as skipped.
func (e *Env) Resolve(s probespec.Spec) ([]Target, []Skipped, error) {
	var targets []Target
	var err error
	switch s.Kind {
	case probespec.Kprobe, probespec.Kretprobe, probespec.Fentry, probespec.Fexit:
		targets, err = e.resolveKernelFunc(s)
	case probespec.Uprobe, probespec.Uretprobe:
		return e.resolveUprobe(s)
	case probespec.Tracepoint:
		targets, err = e.resolveTracepoint(s)
	case probespec.RawTracepoint:
		targets, err = e.resolveRawTracepoint(s)
	case probespec.Profile:
		targets = []Target{{Spec: s, Name: s.String(), Func: "profile", Program: s.Kind.Info().Program}}
	case probespec.USDT:
		targets, err = e.resolveUSDT(s)
	default:
		err = fmt.Errorf("probe %q is not a kernel-side probe", s.Raw)
	}
	return targets, nil, err
}

// matcher finds the points of specs, as listings and completion do.
func (e *Env) matcher() *probes.Matcher {
	return &probes.Matcher{PID: e.PID, Tracefs: e.Tracefs}
}

func (e *Env) resolveKernelFunc(s probespec.Spec) ([]Target, error) {
	matched, err := e.matcher().Match(s)
	if err != nil {
		return nil, err
	}
	program := s.Kind.Info().Program
	kernelBTF, btfErr := kernelbtf.Kernel()
	targets := make([]Target, 0, len(matched))
	for _, fn := range matched {
		name := fn.Func
		t := Target{Spec: s, Name: fn.Name, Func: name, Program: program, Args: collector.MaxRegisterArgs}
		if btfErr == nil {
			t.Params, t.Return, err = funcParams(kernelBTF, name)
			if err != nil && fn.Module != "" {
				err = moduleFuncParams(&t, fn.Module)
			}
		}
		if s.Kind == probespec.Fentry || s.Kind == probespec.Fexit {
			if btfErr != nil {
				return nil, fmt.Errorf("probe %q needs kernel BTF: %w", s.Raw, btfErr)
			}
			if err != nil {
				if s.Wildcard() {
					continue // not every traceable function has BTF
				}
				if errors.Is(err, kernelbtf.ErrNoModules) {
					return nil, fmt.Errorf("kernel function %q is in module %s, and %s on module functions needs module BTF (Linux 5.11+ built with CONFIG_DEBUG_INFO_BTF_MODULES); use kprobe:%s", name, fn.Module, s.Kind, name)
				}
				return nil, fmt.Errorf("kernel function %q has no BTF description, so %s cannot attach to it; use kprobe:%s", name, s.Kind, name)
			}
			if len(t.Params) > collector.MaxArgs {
				return nil, fmt.Errorf("kernel function %q has %d parameters, more than the %d %s can carry; use kprobe:%s", name, len(t.Params), collector.MaxArgs, s.Kind, name)
			}
			t.Args = len(t.Params)
		}
		targets = append(targets, t)
	}
	if len(targets) == 0 {
		return nil, fmt.Errorf("no kernel function matching %q has BTF, so %s cannot attach; use kprobe:%s", s.Func, s.Kind, s.Func)
	}
	return targets, nil
}

// moduleFuncParams describes a module function's parameters and return
// type from the module's BTF.
func moduleFuncParams(t *Target, module string) error {
	spec, err := kernelbtf.Module(module)
	if err != nil {
		return err
	}
	t.Params, t.Return, err = funcParams(spec, t.Func)
	return err
}

// funcParams describes a kernel function's parameters and return type
// from BTF.
func funcParams(spec *btf.Spec, name string) ([]Param, btf.Type, error) {
	var fn *btf.Func
	if err := spec.TypeByName(name, &fn); err != nil {
		return nil, nil, err
	}
	proto, ok := fn.Type.(*btf.FuncProto)
	if !ok {
		return nil, nil, fmt.Errorf("BTF of %s is not a function prototype", name)
	}
	params := make([]Param, len(proto.Params))
	for i, p := range proto.Params {
		params[i] = paramOf(p)
	}
	return params, proto.Return, nil
}

func (e *Env) resolveTracepoint(s probespec.Spec) ([]Target, error) {
	points, err := e.matcher().Match(s)
	if err != nil {
		return nil, err
	}
	dir, err := e.Tracefs()
	if err != nil {
		return nil, err
	}
	targets := make([]Target, 0, len(points))
	for _, p := range points {
		format, err := tracefs.ReadFormat(dir, tracefs.Event{Group: p.Group, Name: p.Func})
		if err != nil {
			return nil, err
		}
		targets = append(targets, Target{Spec: s, Name: p.Name, Func: p.Func, Group: p.Group, Format: format,
			Program: s.Kind.Info().Program, TracepointData: recordBytes(format), syscall: syscallOf(p.Group, p.Func)})
	}
	return targets, nil
}

// recordBytes is how much of a tracepoint's raw record to copy: its fixed
// fields, plus room for __data_loc payloads.
func recordBytes(f *tracefs.Format) int {
	n, dyn := 0, false
	for _, fld := range f.Fields {
		n = max(n, fld.Offset+fld.Size)
		dyn = dyn || fld.DataLoc
	}
	if dyn {
		n += dataLocSlack
	}
	return min(n, collector.MaxTracepointData)
}

func (e *Env) resolveRawTracepoint(s probespec.Spec) ([]Target, error) {
	points, err := e.matcher().Match(s)
	if err != nil {
		return nil, err
	}
	kernelBTF, btfErr := kernelbtf.Kernel()
	var targets []Target
	for _, p := range points {
		t := Target{Spec: s, Name: p.Name, Func: p.Func, Program: s.Kind.Info().Program, Args: collector.MaxRegisterArgs}
		// With BTF the tracepoint's real prototype is known: tp_btf gives
		// typed, exact arguments. Without it raw_tp copies six words.
		if btfErr == nil {
			if params, err := rawTracepointParams(kernelBTF, p.Func); err == nil {
				t.Program, t.Params, t.Args = collector.TPBTF, params, len(params)
			}
		}
		targets = append(targets, t)
	}
	return targets, nil
}

// rawTracepointParams names a raw tracepoint's arguments. btf_trace_NAME,
// a typedef of a pointer to the probe prototype, fixes their number and
// types, but function-pointer BTF carries no parameter names; those come
// from the __bpf_trace_CLASS function generated for the tracepoint's event
// class, whose first parameter is the data pointer. Where the class cannot
// be found, arguments stay unnamed (arg0..argN still work).
func rawTracepointParams(spec *btf.Spec, name string) ([]Param, error) {
	var td *btf.Typedef
	if err := spec.TypeByName("btf_trace_"+name, &td); err != nil {
		return nil, err
	}
	ptr, ok := td.Type.(*btf.Pointer)
	if !ok {
		return nil, fmt.Errorf("btf_trace_%s is not a pointer", name)
	}
	proto, ok := ptr.Target.(*btf.FuncProto)
	if !ok || len(proto.Params) == 0 {
		return nil, fmt.Errorf("btf_trace_%s is not a probe prototype", name)
	}
	if len(proto.Params)-1 > collector.MaxArgs {
		return nil, fmt.Errorf("raw tracepoint %s has %d arguments", name, len(proto.Params)-1)
	}
	params := make([]Param, len(proto.Params)-1)
	for i, p := range proto.Params[1:] {
		params[i] = paramOf(p)
	}
	if class := tracepointClass(spec, name, proto); class != nil {
		for i, p := range class.Params[1:] {
			params[i].Name = p.Name
		}
	}
	return params, nil
}

// tracepointClass finds the __bpf_trace_* function whose prototype matches
// the tracepoint's: by name first (TRACE_EVENT, or the tracepoint's own
// __traceiter_*), else by identical parameter types among all classes
// (DEFINE_EVENT).
func tracepointClass(spec *btf.Spec, name string, proto *btf.FuncProto) *btf.FuncProto {
	matches := func(fn *btf.Func) *btf.FuncProto {
		fp, ok := fn.Type.(*btf.FuncProto)
		if !ok || len(fp.Params) != len(proto.Params) {
			return nil
		}
		for i := 1; i < len(fp.Params); i++ {
			if fp.Params[i].Type != proto.Params[i].Type {
				return nil
			}
		}
		return fp
	}
	// __traceiter_NAME (5.10+) has the same parameters, and 5.10's BTF
	// lacks most __bpf_trace_* functions.
	for _, fname := range []string{"__bpf_trace_" + name, "__traceiter_" + name} {
		var fn *btf.Func
		if err := spec.TypeByName(fname, &fn); err == nil {
			if fp := matches(fn); fp != nil {
				return fp
			}
		}
	}
	for typ, err := range spec.All() {
		if err != nil {
			return nil
		}
		if f, ok := typ.(*btf.Func); ok && strings.HasPrefix(f.Name, "__bpf_trace_") {
			if fp := matches(f); fp != nil {
				return fp
			}
		}
	}
	return nil
}
