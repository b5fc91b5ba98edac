package attach

import (
	"fmt"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/probespec"
	"github.com/luatrace/luatrace/bpf/usdt"
	"github.com/luatrace/luatrace/bpf/usym"
)

// resolveUSDT finds the notes a usdt spec names (provider and name may be
// globs; no provider means any) and decodes their arguments. Each probe
// site is a target: a probe the compiler placed twice attaches twice.
func (e *Env) resolveUSDT(s probespec.Spec) ([]Target, error) {
	bin, err := usym.ResolveBinary(s.Path, e.PID)
	if err != nil {
		return nil, err
	}
	notes, err := usdt.ReadNotes(bin)
	if err != nil {
		return nil, err
	}
	provider := s.Provider
	if provider == "" {
		provider = "*"
	}
	var targets []Target
	for i := range notes {
		n := &notes[i]
		if !n.Match(provider, s.Name) {
			continue
		}
		args, err := usdt.ParseArgs(n.Args)
		if err != nil {
			return nil, fmt.Errorf("probe %q: %s:%s: %w", s.Raw, n.Provider, n.Name, err)
		}
		if len(args) > collector.MaxArgs {
			return nil, fmt.Errorf("probe %q: %s:%s has %d arguments, more than the %d luatrace carries", s.Raw, n.Provider, n.Name, len(args), collector.MaxArgs)
		}
		targets = append(targets, Target{Spec: s, Name: "usdt:" + bin + ":" + n.Provider + ":" + n.Name,
			Func: n.Name, Path: bin, Program: s.Kind.Info().Program, USDT: n, USDTArgs: args})
	}
	if len(targets) == 0 {
		if len(notes) == 0 {
			return nil, fmt.Errorf("probe %q: %s has no USDT probes (no .note.stapsdt section)", s.Raw, bin)
		}
		return nil, fmt.Errorf("probe %q: no USDT probe in %s matches %s:%s; list them with luatrace -l 'usdt:%s:*'", s.Raw, bin, provider, s.Name, bin)
	}
	return targets, nil
}
