package attach

import (
	"fmt"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/probespec"
	"github.com/luatrace/luatrace/bpf/usdt"
)

// resolveUSDT finds the notes a usdt spec names (provider and name may be
// globs; no provider means any) and decodes their arguments. Each probe
// site is a target: a probe the compiler placed twice attaches twice.
func (e *Env) resolveUSDT(s probespec.Spec) ([]Target, error) {
	points, err := e.matcher().Match(s)
	if err != nil {
		return nil, err
	}
	targets := make([]Target, 0, len(points))
	for _, p := range points {
		n := p.Note
		args, err := usdt.ParseArgs(n.Args)
		if err != nil {
			return nil, fmt.Errorf("probe %q: %s:%s: %w", s.Raw, n.Provider, n.Name, err)
		}
		if len(args) > collector.MaxArgs {
			return nil, fmt.Errorf("probe %q: %s:%s has %d arguments, more than the %d luatrace carries", s.Raw, n.Provider, n.Name, len(args), collector.MaxArgs)
		}
		targets = append(targets, Target{Spec: s, Name: p.Name, Func: p.Func, Path: p.Path, Program: s.Kind.Info().Program, USDT: n, USDTArgs: args})
	}
	return targets, nil
}
