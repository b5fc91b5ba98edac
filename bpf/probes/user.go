package probes

import (
	"fmt"

	"github.com/luatrace/luatrace/bpf/probespec"
	"github.com/luatrace/luatrace/bpf/usdt"
	"github.com/luatrace/luatrace/bpf/usym"
)

func (m *Matcher) symbols(s probespec.Spec) ([]Point, error) {
	if s.Address == 0 && s.Wildcard() {
		bin, points, err := m.matchSymbols(s, s.Func)
		if err == nil && len(points) == 0 {
			err = fmt.Errorf("no function in %s matches %q", bin, s.Func)
		}
		return points, err
	}
	bin, err := m.Binary(s.Path)
	if err != nil {
		return nil, err
	}
	if s.Address != 0 {
		return []Point{symbolPoint(s, bin, fmt.Sprintf("0x%x", s.Address), usym.Symbol{})}, nil
	}
	sym, err := usym.LookupFunc(bin, s.Func)
	if err != nil {
		return nil, err
	}
	return []Point{symbolPoint(s, bin, s.Func, sym)}, nil
}

// matchSymbols returns the functions of s's binary that glob matches, and
// the binary.
func (m *Matcher) matchSymbols(s probespec.Spec, glob string) (string, []Point, error) {
	bin, err := m.Binary(s.Path)
	if err != nil {
		return "", nil, err
	}
	syms, err := usym.MatchFuncs(bin, glob)
	if err != nil {
		return bin, nil, err
	}
	points := make([]Point, len(syms))
	for i, sym := range syms {
		points[i] = symbolPoint(s, bin, sym.Name, sym)
	}
	return bin, points, nil
}

func symbolPoint(s probespec.Spec, bin, name string, sym usym.Symbol) Point {
	return Point{Name: s.Kind.String() + ":" + bin + ":" + name, Func: name, Path: bin, Symbol: sym}
}

// notes matches a usdt spec's provider and name globs against a binary's
// notes, site by site.
func (m *Matcher) notes(s probespec.Spec) ([]Point, error) {
	bin, points, all, err := m.matchNotes(s)
	if err != nil || len(points) > 0 {
		return points, err
	}
	if all == 0 {
		return nil, fmt.Errorf("probe %q: %s has no USDT probes (no .note.stapsdt section)", s.Raw, bin)
	}
	return nil, fmt.Errorf("probe %q: no USDT probe in %s matches %s:%s; list them with luatrace -l 'usdt:%s:*'", s.Raw, bin, provider(s), s.Name, bin)
}

// matchNotes returns the notes of s's binary its globs match, the binary,
// and how many notes it has.
func (m *Matcher) matchNotes(s probespec.Spec) (string, []Point, int, error) {
	bin, err := m.Binary(s.Path)
	if err != nil {
		return "", nil, 0, err
	}
	notes, err := usdt.ReadNotes(bin)
	if err != nil {
		return bin, nil, 0, err
	}
	var points []Point
	for i := range notes {
		n := &notes[i]
		if n.Match(provider(s), s.Name) {
			points = append(points, Point{Name: s.Kind.String() + ":" + bin + ":" + n.Provider + ":" + n.Name, Func: n.Name, Path: bin, Note: n})
		}
	}
	return bin, points, len(notes), nil
}

// provider is a usdt spec's provider glob: any without one.
func provider(s probespec.Spec) string {
	if s.Provider == "" {
		return "*"
	}
	return s.Provider
}
