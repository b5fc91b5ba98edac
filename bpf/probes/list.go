package probes

import (
	"path"
	"slices"
	"strings"

	"github.com/luatrace/luatrace/bpf/probespec"
)

// List returns the probe points a -l pattern names, as specs, in the
// order they are printed. A spec of a user binary lists its functions
// ("uprobe:BINARY[:GLOB]") or its USDT probes ("usdt:BINARY:*"), sorted
// and each once. Any other pattern is a glob over every point of the kinds
// the table marks Listed (tracepoints, raw tracepoints and kernel
// functions as kprobe:NAME); a bare word matches the points containing
// it. Kernel functions are listed where they can be: tracepoints alone
// are useful.
func (m *Matcher) List(pattern string) ([]string, error) {
	if s, ok := binarySpec(pattern); ok {
		if s.Kind.Info().Targets == probespec.Notes {
			return m.listNotes(s)
		}
		return m.listSymbols(s)
	}
	glob := listGlob(pattern)
	var out []string
	add := func(name string) {
		if ok, _ := path.Match(glob, name); ok {
			out = append(out, name)
		}
	}
	for _, targets := range []probespec.Targets{probespec.Tracepoints, probespec.RawTracepoints, probespec.KernelFunctions} {
		for _, kind := range probespec.Kinds {
			if !kind.Listed || kind.Targets != targets {
				continue
			}
			names, err := m.names(kind.Targets, kind.Name+":")
			if err != nil && targets != probespec.KernelFunctions {
				return nil, err
			}
			for _, n := range names {
				add(n)
			}
		}
	}
	return out, nil
}

// ListMatches reports whether a name that is not a probe point (a
// library's probe alias) belongs in the listing of pattern.
func ListMatches(pattern, name string) bool {
	if _, ok := binarySpec(pattern); ok {
		return false
	}
	ok, _ := path.Match(listGlob(pattern), name)
	return ok
}

// binarySpec parses a pattern naming the points of one user binary.
func binarySpec(pattern string) (probespec.Spec, bool) {
	s, err := probespec.Parse(pattern)
	return s, err == nil && s.Kind.Info().Site == probespec.InProcess
}

// listGlob is the glob a -l pattern stands for: everything for none, the
// points containing a bare word for a word.
func listGlob(pattern string) string {
	switch {
	case pattern == "":
		return "*"
	case !strings.Contains(pattern, ":") && !strings.ContainsAny(pattern, "*?["):
		return "*" + pattern + "*"
	}
	return pattern
}

// names lists every point of a kernel target set, as prefix and the
// point's name.
func (m *Matcher) names(targets probespec.Targets, prefix string) ([]string, error) {
	var names []string
	switch targets {
	case probespec.Tracepoints:
		events, err := m.tracepointList()
		if err != nil {
			return nil, err
		}
		for _, ev := range events {
			names = append(names, prefix+ev.String())
		}
	case probespec.RawTracepoints:
		raw, err := m.rawTracepointNames()
		if err != nil {
			return nil, err
		}
		for _, n := range raw {
			names = append(names, prefix+n)
		}
	case probespec.KernelFunctions:
		fns, err := m.kernelFunctionList()
		if err != nil {
			return nil, err
		}
		for _, fn := range fns {
			names = append(names, prefix+fn.Name)
		}
	}
	return names, nil
}

func (m *Matcher) listSymbols(s probespec.Spec) ([]string, error) {
	glob := s.Func
	if glob == "" {
		glob = "*"
	}
	_, points, err := m.matchSymbols(s, glob)
	return pointNames(points), err
}

// listNotes names each USDT probe once, however many sites it has.
func (m *Matcher) listNotes(s probespec.Spec) ([]string, error) {
	_, points, _, err := m.matchNotes(s)
	names := pointNames(points)
	slices.Sort(names)
	return slices.Compact(names), err
}

func pointNames(points []Point) []string {
	names := make([]string, len(points))
	for i, p := range points {
		names[i] = p.Name
	}
	return names
}
