package maps

import (
	"fmt"
	"slices"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/luaapi/aggtext"
	"github.com/luatrace/luatrace/luaapi/diag"
	"github.com/luatrace/luatrace/luaapi/value"
)

// DefaultEntries is how many keys a map holds unless the script says
// (bpftrace's default too); updates for further keys are counted as lost.
const DefaultEntries = 4096

// MaxEntries is the most keys a map may hold.
const MaxEntries = 1 << 24

// MaxLinearBuckets is the most buckets a linear histogram may have.
const MaxLinearBuckets = 1000

// optionsOf lists what map.KIND{...} takes. Every map has a key, a name
// and a key limit; all but a count aggregate a value; a linear histogram
// has bounds, and since its max is the upper bound its key limit is
// called entries.
func optionsOf(kind aggtext.Kind) []string {
	switch kind {
	case aggtext.Count:
		return []string{"key", "name", "max", "labels"}
	case aggtext.LinearHist:
		return []string{"key", "value", "name", "min", "max", "step", "entries", "labels"}
	}
	return []string{"key", "value", "name", "max", "labels"}
}

// knownOptions describes the options of kind for an error: value is
// listed for counts too, whose message then says why a count has none.
func knownOptions(kind aggtext.Kind) string {
	if kind == aggtext.LinearHist {
		return "key, value, name, min, max (the upper bound), step, entries (the key limit)"
	}
	return "key, value, name, max (the key limit)"
}

// limitOption names the option of a map's key limit.
func limitOption(kind aggtext.Kind) string {
	if kind == aggtext.LinearHist {
		return "entries"
	}
	return "max"
}

// parseOptions reads map.KIND{...}: each option must be one the kind
// takes, with a value of its type and range.
func parseOptions(kindName string, kind aggtext.Kind, opts *lua.LTable) (*Map, error) {
	m := &Map{kind: kind, max: DefaultEntries}
	var err error
	opts.ForEach(func(k, v lua.LValue) {
		if err != nil {
			return
		}
		name := k.String()
		switch {
		case name == "value" && kind == aggtext.Count:
			err = &diag.Error{Msg: "map.count: a count adds 1 per event and takes no value", Hint: "use map.sum for totals", Kind: diag.ErrScript}
		case !slices.Contains(optionsOf(kind), name):
			err = fmt.Errorf("map.%s has no option %q (known: %s)", kindName, name, knownOptions(kind))
		case name == "key":
			m.keys, err = keyList(v)
		case name == "value":
			if s, ok := v.(lua.LString); ok && s != "" {
				m.value = string(s)
			} else {
				err = fmt.Errorf(`value must be an expression string such as "duration / 1000", got %s`, value.Describe(v))
			}
		case name == "name":
			m.name = strings.TrimPrefix(v.String(), "@")
		case name == "labels":
			m.labels, err = keyList(v)
		case name == limitOption(kind):
			m.max, err = keyLimit(name, v)
		}
		// min, max and step of a linear histogram are read together below.
		if err != nil && !strings.HasPrefix(err.Error(), "map.") {
			err = fmt.Errorf("map.%s: %w", kindName, err)
		}
	})
	if err != nil {
		return nil, err
	}
	if m.labels != nil && len(m.labels) != len(m.keys) {
		return nil, fmt.Errorf("map.%s: labels names %d key parts but the key has %d", kindName, len(m.labels), len(m.keys))
	}
	if kind != aggtext.Count && m.value == "" {
		return nil, fmt.Errorf(`map.%s needs value = "expression", e.g. value = "args.count"`, kindName)
	}
	if kind == aggtext.LinearHist {
		if m.lin, err = linearBounds(opts); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// keyLimit reads the number of keys a map holds.
func keyLimit(name string, v lua.LValue) (uint32, error) {
	n, ok := v.(lua.LNumber)
	if !ok || n < 1 || n > MaxEntries || float64(n) != float64(int(n)) {
		return 0, fmt.Errorf("%s must be a number of keys from 1 to %d, got %s", name, MaxEntries, v.String())
	}
	return uint32(n), nil
}

// linearBounds reads min, max and step of a linear histogram (map.lhist or
// hist.new).
func linearBounds(opts *lua.LTable) (aggtext.Linear, error) {
	get := func(name string) (int64, bool) {
		n, ok := opts.RawGetString(name).(lua.LNumber)
		return int64(n), ok && float64(n) == float64(int64(n))
	}
	lo, ok1 := get("min")
	hi, ok2 := get("max")
	step, ok3 := get("step")
	if !ok1 || !ok2 || !ok3 || step <= 0 || hi <= lo {
		return aggtext.Linear{}, fmt.Errorf("map.lhist needs integer min, max and step with min < max and step > 0, e.g. {min=0, max=100, step=10}")
	}
	if (hi-lo)/step > MaxLinearBuckets {
		return aggtext.Linear{}, fmt.Errorf("map.lhist{min=%d, max=%d, step=%d} would have %d buckets; at most %d", lo, hi, step, (hi-lo)/step, MaxLinearBuckets)
	}
	return aggtext.Linear{Min: lo, Max: hi, Step: step}, nil
}

// keyList reads key = "expr" or key = {"expr", "expr", ...}.
func keyList(v lua.LValue) ([]string, error) {
	switch x := v.(type) {
	case lua.LString:
		return []string{string(x)}, nil
	case *lua.LTable:
		var keys []string
		for i := 1; i <= x.Len(); i++ {
			s, ok := x.RawGetInt(i).(lua.LString)
			if !ok {
				return nil, fmt.Errorf("key parts must be expression strings, got %s", x.RawGetInt(i).Type())
			}
			keys = append(keys, string(s))
		}
		if len(keys) == 0 || len(keys) > collector.MaxKeyParts {
			return nil, fmt.Errorf("a key has 1 to %d parts", collector.MaxKeyParts)
		}
		return keys, nil
	}
	return nil, fmt.Errorf(`key must be an expression string or a list of them, e.g. key = {"comm", "pid"}`)
}

// Into reads probe()'s option into: a kernel map or a list of them.
func Into(v lua.LValue) ([]*Map, error) {
	one := func(v lua.LValue) (*Map, bool) {
		m, ok := Type.Of(v)
		return m, ok && m.local == nil
	}
	if m, ok := one(v); ok {
		return []*Map{m}, nil
	}
	t, ok := v.(*lua.LTable)
	if !ok || t.Len() == 0 {
		return nil, fmt.Errorf("option into must be a map from map.count{...} and friends, or a list of them")
	}
	var maps []*Map
	for i := 1; i <= t.Len(); i++ {
		m, ok := one(t.RawGetInt(i))
		if !ok {
			return nil, fmt.Errorf("into[%d] is not a kernel map (hist.new() histograms are fed with :add)", i)
		}
		maps = append(maps, m)
	}
	if len(maps) > collector.MaxAggs {
		return nil, &diag.Error{Msg: fmt.Sprintf("into lists %d maps and a probe feeds at most %d", len(maps), collector.MaxAggs),
			Hint: "feed the rest from a second probe() on the same spec", Kind: diag.ErrScript}
	}
	return maps, nil
}
