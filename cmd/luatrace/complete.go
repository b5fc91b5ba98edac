package main

import (
	"sort"
	"strings"

	"github.com/luatrace/luatrace/bpf/probes"
)

// maxCompletions bounds a completion list; a prefix of "kprobe:" alone
// would otherwise offer every kernel function.
const maxCompletions = 500

// completeSpec lists probe specs that extend partial: kinds, tracepoint
// groups and names, kernel functions, and a binary's function symbols.
func completeSpec(partial string) []string {
	var m probes.Matcher
	return withPrefix(m.Complete(partial), partial)
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
