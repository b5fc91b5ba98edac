package maps

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/output"
	"github.com/luatrace/luatrace/luaapi/stack"
)

// run runs code in a state with the map module open and returns what the
// maps printed, or the error.
func run(t *testing.T, code string) (string, error) {
	t.Helper()
	L := lua.NewState()
	defer L.Close()
	var out, errs bytes.Buffer
	w := output.New(&out, output.Text)
	New(w, &errs, &stack.Symbols{}).Open(L)
	err := L.DoString(code)
	w.Flush()
	return out.String(), err
}

// TestMapKeysCannotForgeLines: a key holding a newline (a process name
// set by the traced program) prints on one line, escaped.
func TestMapKeysCannotForgeLines(t *testing.T) {
	out, err := run(t, `local h = hist.new{name = "lat"}
h:add(5, "x]: 1\n@fake[y")
h:print()`)
	want := "@lat[x]: 1\\n@fake[y]: \n[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n"
	if err != nil || out != want {
		t.Errorf("output %q, %v; want %q", out, err, want)
	}
}

// namedTwice reports a message that names its map twice, as in
// "map.lhist: map.lhist needs ...".
func namedTwice(msg string) bool {
	m := mapPrefix.FindStringSubmatch(msg)
	return m != nil && strings.Contains(msg[strings.Index(msg, m[0])+len(m[0]):], m[1])
}

var mapPrefix = regexp.MustCompile(`(map\.\w+): `)

// TestMapOptions: each kind of map takes its own options and refuses the
// others, and each option's value is checked, before any kernel map
// exists (no privileges needed).
func TestMapOptions(t *testing.T) {
	tests := []struct{ code, err string }{
		{`map.count{}`, ""},
		{`map.count{key = "comm", name = "calls", max = 100}`, ""},
		{`map.count{key = {"comm", "pid"}}`, ""},
		{`map.sum{key = "comm", value = "arg2", max = 10}`, ""},
		{`map.hist{value = "duration"}`, ""},
		{`map.lhist{value = "arg0", min = 0, max = 100, step = 10}`, ""},
		{`map.lhist{value = "arg0", min = 0, max = 100, step = 10, entries = 100}`, ""},
		{`map.count{min = 5}`, `map.count has no option "min" (known: key, value, name, max (the key limit))`},
		{`map.count{entries = 5}`, `map.count has no option "entries"`},
		{`map.sum{value = "arg0", step = 3}`, `map.sum has no option "step"`},
		{`map.hist{value = "arg0", entries = 5}`, `map.hist has no option "entries"`},
		{`map.avg{value = "arg0", min = 1}`, `map.avg has no option "min"`},
		{`map.lhist{value = "arg0", min = 0, max = 100, step = 10, bogus = 1}`, `map.lhist has no option "bogus" (known: key, value, name, min, max (the upper bound), step, entries (the key limit))`},
		{`map.count{max = -5}`, "map.count: max must be a number of keys from 1 to 16777216, got -5"},
		{`map.count{max = 1.5}`, "map.count: max must be a number of keys"},
		{`map.lhist{value = "arg0", min = 0, max = 100, step = 10, entries = 0}`, "map.lhist: entries must be a number of keys from 1 to 16777216, got 0"},
		{`map.lhist{value = "arg0", min = 0, max = -5, step = 10}`, "map.lhist needs integer min, max and step with min < max and step > 0"},
		{`map.lhist{value = "arg0", min = 0, max = 100}`, "map.lhist needs integer min, max and step"},
		{`map.lhist{value = "arg0", min = 0, max = 100000, step = 1}`, "map.lhist{min=0, max=100000, step=1} would have 100000 buckets; at most 1000"},
		{`map.count{value = "arg0"}`, "map.count: a count adds 1 per event and takes no value; use map.sum for totals"},
		{`map.sum{key = "comm"}`, `map.sum needs value = "expression"`},
		{`map.sum{value = 5}`, `map.sum: value must be an expression string such as "duration / 1000", got 5`},
		{`map.sum{value = ""}`, `map.sum: value must be an expression string such as "duration / 1000", got ""`},
		{`map.count{key = 5}`, "map.count: key must be an expression string or a list of them"},
		{`map.count{key = {"comm", "pid", "tid", "uid", "gid"}}`, "map.count: a key has 1 to 4 parts"},
		{`hist.new{min = 0, max = 10, step = 0}`, "bad argument #1 to new (hist.new needs integer min, max and step"},
	}
	for _, tc := range tests {
		_, err := run(t, tc.code)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.code, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want %q", tc.code, err, tc.err)
		case err != nil && namedTwice(err.Error()):
			t.Errorf("%s: the map is named twice: %v", tc.code, err)
		}
	}
}

// TestMapMethodsCheckTheirReceiver: a map method called on anything else
// says what it expected and what it got.
func TestMapMethodsCheckTheirReceiver(t *testing.T) {
	_, err := run(t, `local m = map.count{} m.get(5)`)
	if err == nil || !strings.Contains(err.Error(), "bad argument #1 to get (map expected, got number)") {
		t.Errorf("m.get(5): %v", err)
	}
}
