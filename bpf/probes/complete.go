package probes

import (
	"strings"

	"github.com/luatrace/luatrace/bpf/probespec"
	"github.com/luatrace/luatrace/bpf/usym"
)

// Complete returns candidates that may extend partial, a probe spec being
// typed: the kinds' stems, then a kind's targets, spelled with the kind
// as typed ("t:sched:", "k:vfs_read"). Candidates may repeat and need not
// all start with partial; the caller filters and sorts. Completion is a
// convenience: where points cannot be read, it offers none.
func (m *Matcher) Complete(partial string) []string {
	typed, rest, hasKind := strings.Cut(partial, ":")
	if !hasKind {
		var stems []string
		for _, k := range probespec.Kinds {
			stems = append(stems, k.Stems...)
		}
		return stems
	}
	kind, ok := probespec.Lookup(typed)
	if !ok {
		return nil
	}
	prefix := typed + ":"
	switch kind.Targets {
	case probespec.Tracepoints:
		// The group first, then its events.
		group, _, hasGroup := strings.Cut(rest, ":")
		if hasGroup {
			return m.completeNames(probespec.Tracepoints, prefix, prefix+group+":")
		}
		events, _ := m.tracepointList()
		out := make([]string, len(events))
		for i, ev := range events {
			out[i] = prefix + ev.Group + ":"
		}
		return out
	case probespec.RawTracepoints, probespec.KernelFunctions:
		return m.completeNames(kind.Targets, prefix, partial)
	case probespec.Symbols:
		i := strings.LastIndexByte(rest, ':')
		if i < 0 {
			return nil
		}
		bin, err := m.Binary(rest[:i])
		if err != nil {
			return nil
		}
		// Every function: a glob would miss Go's, whose names have
		// slashes.
		syms, _ := usym.Funcs(bin)
		out := make([]string, len(syms))
		for j, sym := range syms {
			out[j] = prefix + rest[:i] + ":" + sym.Name
		}
		return out
	}
	return nil
}

// completeNames lists the points of targets, as prefix and their names,
// that start with start.
func (m *Matcher) completeNames(targets probespec.Targets, prefix, start string) []string {
	names, _ := m.names(targets, prefix)
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, start) {
			out = append(out, n)
		}
	}
	return out
}
