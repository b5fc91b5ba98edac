package probes

import (
	"fmt"
	"path"

	"github.com/luatrace/luatrace/bpf/ksym"
	"github.com/luatrace/luatrace/bpf/probespec"
	"github.com/luatrace/luatrace/bpf/suggest"
	"github.com/luatrace/luatrace/bpf/tracefs"
)

// kernelFunctionList lists the traceable kernel functions.
func (m *Matcher) kernelFunctionList() ([]ksym.Function, error) {
	dir, err := m.tracefs()
	if err != nil {
		return nil, err
	}
	return ksym.Functions(dir)
}

func (m *Matcher) kernelFunctions(s probespec.Spec) ([]Point, error) {
	fns, err := m.kernelFunctionList()
	if err != nil {
		return nil, err
	}
	if !s.Wildcard() {
		if err := ksym.Lookup(fns, s.Func); err != nil {
			return nil, err
		}
	}
	matched := ksym.Match(fns, s.Func)
	if len(matched) == 0 {
		return nil, fmt.Errorf("no kernel function matches %q in probe %q", s.Func, s.Raw)
	}
	points := make([]Point, len(matched))
	for i, fn := range matched {
		points[i] = Point{Name: s.Kind.String() + ":" + fn.Name, Func: fn.Name, Module: fn.Module}
	}
	return points, nil
}

func (m *Matcher) tracepoints(s probespec.Spec) ([]Point, error) {
	dir, err := m.tracefs()
	if err != nil {
		return nil, err
	}
	events, err := tracefs.Match(dir, s.Group+":"+s.Name)
	if err != nil {
		return nil, err
	}
	points := make([]Point, len(events))
	for i, ev := range events {
		points[i] = Point{Name: s.Kind.String() + ":" + ev.String(), Func: ev.Name, Group: ev.Group}
	}
	return points, nil
}

// tracepointList lists tracefs's events.
func (m *Matcher) tracepointList() ([]tracefs.Event, error) {
	dir, err := m.tracefs()
	if err != nil {
		return nil, err
	}
	return tracefs.Events(dir)
}

// rawTracepointNames lists tracefs's events by name alone, once each.
func (m *Matcher) rawTracepointNames() ([]string, error) {
	events, err := m.tracepointList()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var names []string
	for _, ev := range events {
		if !seen[ev.Name] {
			seen[ev.Name] = true
			names = append(names, ev.Name)
		}
	}
	return names, nil
}

func (m *Matcher) rawTracepoints(s probespec.Spec) ([]Point, error) {
	names, err := m.rawTracepointNames()
	if err != nil {
		return nil, err
	}
	var points []Point
	for _, name := range names {
		if ok, _ := path.Match(s.Func, name); ok {
			points = append(points, Point{Name: s.Kind.String() + ":" + name, Func: name})
		}
	}
	if len(points) == 0 {
		if s.Wildcard() {
			return nil, fmt.Errorf("no raw tracepoint matches %q", s.Func)
		}
		return nil, fmt.Errorf("no raw tracepoint %q%s", s.Func, suggest.Phrase(s.Func, names))
	}
	return points, nil
}
