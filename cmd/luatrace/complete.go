package main

import (
	"sort"
	"strings"

	"github.com/luatrace/luatrace/bpf/ksym"
	"github.com/luatrace/luatrace/bpf/tracefs"
	"github.com/luatrace/luatrace/bpf/usym"
)

// maxCompletions bounds a completion list; a prefix of "kprobe:" alone
// would otherwise offer every kernel function.
const maxCompletions = 500

var specKinds = []string{
	"BEGIN", "END", "fentry:", "fexit:", "interval:ms:", "interval:s:", "kprobe:", "kretprobe:",
	"profile:hz:", "rawtracepoint:", "tracepoint:", "uprobe:", "uretprobe:", "usdt:",
}

// completeSpec lists probe specs that extend partial: kinds, tracepoint
// groups and names, kernel functions, and a binary's function symbols.
func completeSpec(partial string) []string {
	kind, rest, hasKind := strings.Cut(partial, ":")
	if !hasKind {
		return withPrefix(specKinds, partial)
	}
	switch kind {
	case "tracepoint", "t":
		dir, err := tracefs.Mount()
		if err != nil {
			return nil
		}
		events, err := tracefs.Events(dir)
		if err != nil {
			return nil
		}
		var names []string
		group, _, hasGroup := strings.Cut(rest, ":")
		for _, ev := range events {
			if hasGroup {
				if ev.Group == group {
					names = append(names, kind+":"+ev.String())
				}
			} else {
				names = append(names, kind+":"+ev.Group+":")
			}
		}
		return withPrefix(names, partial)
	case "rawtracepoint", "rt":
		dir, err := tracefs.Mount()
		if err != nil {
			return nil
		}
		events, _ := tracefs.Events(dir)
		names := make([]string, 0, len(events))
		for _, ev := range events {
			names = append(names, kind+":"+ev.Name)
		}
		return withPrefix(names, partial)
	case "kprobe", "kretprobe", "fentry", "fexit", "kfunc", "kretfunc", "k", "kr", "f", "fr":
		dir, err := tracefs.Mount()
		if err != nil {
			return nil
		}
		fns, err := ksym.Functions(dir)
		if err != nil {
			return nil
		}
		var names []string
		for _, fn := range fns {
			if strings.HasPrefix(fn.Name, rest) {
				names = append(names, kind+":"+fn.Name)
			}
		}
		return withPrefix(names, partial)
	case "uprobe", "uretprobe", "u", "ur":
		i := strings.LastIndexByte(rest, ':')
		if i < 0 {
			return nil
		}
		bin, err := usym.ResolveBinary(rest[:i], 0)
		if err != nil {
			return nil
		}
		syms, err := usym.Funcs(bin)
		if err != nil {
			return nil
		}
		names := make([]string, 0, len(syms))
		for _, s := range syms {
			names = append(names, kind+":"+rest[:i]+":"+s.Name)
		}
		return withPrefix(names, partial)
	}
	return nil
}

// withPrefix keeps the candidates that start with prefix, sorted, at most
// maxCompletions of them.
func withPrefix(cands []string, prefix string) []string {
	var out []string
	for _, c := range cands {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	out = compact(out)
	if len(out) > maxCompletions {
		out = out[:maxCompletions]
	}
	return out
}

func compact(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
