package stacks

import (
	"fmt"
	"io"

	"github.com/google/pprof/profile"
)

// WritePprof writes samples as a gzip-compressed pprof profile (the
// format of go tool pprof, speedscope and Grafana Pyroscope), built with
// pprof's own profile package so that it is valid by construction. Each
// distinct frame name is one function and one location.
func WritePprof(w io.Writer, samples []Sample, opts Options) error {
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: opts.Type, Unit: opts.Unit}},
		Period:     opts.Period,
	}
	if opts.Period > 0 {
		p.PeriodType = &profile.ValueType{Type: opts.PeriodType, Unit: opts.PeriodUnit}
	}
	locs := map[string]*profile.Location{}
	location := func(name string) *profile.Location {
		if l, ok := locs[name]; ok {
			return l
		}
		id := uint64(len(locs) + 1)
		fn := &profile.Function{ID: id, Name: name, SystemName: name}
		l := &profile.Location{ID: id, Line: []profile.Line{{Function: fn}}}
		p.Function = append(p.Function, fn)
		p.Location = append(p.Location, l)
		locs[name] = l
		return l
	}
	for _, s := range samples {
		// pprof lists a sample's locations innermost first.
		ls := make([]*profile.Location, len(s.Frames))
		for i, f := range s.Frames {
			ls[len(s.Frames)-1-i] = location(f)
		}
		p.Sample = append(p.Sample, &profile.Sample{Location: ls, Value: []int64{s.Value}})
	}
	if err := p.CheckValid(); err != nil {
		return fmt.Errorf("build the pprof profile: %w", err)
	}
	return p.Write(w)
}
