package main

import (
	"fmt"
	"io"
	"slices"

	"github.com/luatrace/luatrace/bpf/probespec"
	"github.com/luatrace/luatrace/bpf/usdt"
	"github.com/luatrace/luatrace/bpf/usym"
)

// listUSDT prints the USDT probes of a binary matching the spec's
// provider and name globs, sorted, each once however many sites it has.
func listUSDT(out io.Writer, s probespec.Spec) (int, error) {
	bin, err := usym.ResolveBinary(s.Path, 0)
	if err != nil {
		return 0, err
	}
	notes, err := usdt.ReadNotes(bin)
	if err != nil {
		return 0, err
	}
	provider := s.Provider
	if provider == "" {
		provider = "*"
	}
	var specs []string
	for _, n := range notes {
		if n.Match(provider, s.Name) {
			specs = append(specs, fmt.Sprintf("usdt:%s:%s:%s", bin, n.Provider, n.Name))
		}
	}
	slices.Sort(specs)
	specs = slices.Compact(specs)
	for _, spec := range specs {
		fmt.Fprintln(out, spec)
	}
	return len(specs), nil
}
