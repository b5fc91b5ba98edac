package maps

import (
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/capture"
	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/luaapi/aggtext"
	"github.com/luatrace/luatrace/luaapi/diag"
	"github.com/luatrace/luatrace/luaapi/output"
	"github.com/luatrace/luatrace/luaapi/stack"
	"github.com/luatrace/luatrace/luaapi/udata"
	"github.com/luatrace/luatrace/luaapi/value"
)

// Type is the map userdata.
var Type = udata.New[*Map]("luatrace.map", "map")

// Kernel is what a map that probes feed needs of the runtime's kernel
// side: a map to aggregate in, and the stacks its keys refer to.
type Kernel interface {
	NewAggMap(keyBytes int, maxEntries uint32) (*collector.AggMap, error)
	Stack(id uint32) ([]uint64, error)
}

// Module is one runtime's maps: the map and hist globals, every map the
// script made (printed at exit if it never was) and the pinned maps it
// opened (closed at exit).
type Module struct {
	out    *output.Writer
	stderr io.Writer
	syms   *stack.Symbols
	maps   []*Map
	pinned []*pinnedMap
	// ProbeName names a probe id for keys of probe, as e.probe does.
	ProbeName func(id uint32) string
	// ProbeNames names every attached probe id, for --metrics' probe
	// labels (called by Publish, on the owner goroutine).
	ProbeNames func() map[uint32]string
	// served are the maps --metrics serves (Publish).
	served servedMaps
}

// New returns the map module; maps print through out, the exit report
// goes to stderr, syms name the frames of stack keys.
func New(out *output.Writer, stderr io.Writer, syms *stack.Symbols) *Module {
	return &Module{out: out, stderr: stderr, syms: syms}
}

// Map is what map.count{...} and friends return: an aggregation the
// kernel updates (probes name it in opts.into), or, for hist.new(), one
// the script feeds with :add().
type Map struct {
	mod  *Module
	name string // "" until known: the global holding it, else "@"
	kind aggtext.Kind
	keys []string // key expressions
	// labels name the key parts as Prometheus labels (--metrics); nil:
	// named after the key expressions.
	labels []string
	value  string // value expression ("" for counts)
	lin    aggtext.Linear
	max    uint32

	// Kernel side, created when the first probe feeds the map.
	kernel Kernel
	km     *collector.AggMap
	shape  string
	decode []capture.KeyPart

	// Lua side (hist.new): rows by their key's text.
	local map[string]*mapRow
	// Replay side: rows rebuilt from recorded events (Feed), and the
	// keys refused for want of room.
	fed     map[string]*mapRow
	fedLost uint64

	printed bool
}

// mapRow is one key: its parts as Lua values and text, and its aggregate.
type mapRow struct {
	key     []lua.LValue
	text    []string
	value   aggtext.Value
	buckets map[uint64]int64
}

// Open adds the map and hist globals and the maps' methods.
func (mod *Module) Open(L *lua.LState) {
	mt := Type.Metatable(L)
	L.SetField(mt, "__index", L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"get":   mod.mapGet,
		"items": mod.mapItems,
		"len":   mod.mapLen,
		"clear": mod.mapClear,
		"print": mod.mapPrint,
		"add":   mod.mapAdd,
		"lost":  mod.mapLost,
	}))
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		m := Type.Check(L, 1)
		L.Push(lua.LString(mod.mapText(L, m, 0)))
		return 1
	}))
	L.SetField(mt, "__len", L.NewFunction(mod.mapLen))
	t := L.NewTable()
	for name, kind := range aggtext.Kinds {
		L.SetField(t, name, L.NewFunction(mod.newKernelMap(name, kind)))
	}
	mod.openPinned(L, t)
	L.SetGlobal("map", t)
	hist := L.NewTable()
	L.SetField(hist, "new", L.NewFunction(mod.newLocalHist))
	L.SetGlobal("hist", hist)
}

// newKernelMap implements map.KIND{key=, value=, name=, max=, ...}.
func (mod *Module) newKernelMap(kindName string, kind aggtext.Kind) lua.LGFunction {
	return func(L *lua.LState) int {
		m, err := parseOptions(kindName, kind, optionsArg(L, kindName, kind))
		if err != nil {
			L.RaiseError("%s", err.Error())
		}
		L.Push(mod.wrap(L, m))
		return 1
	}
}

// optionsArg reads map.KIND's arguments as an options table: the table
// itself, or bpftrace's argument order, the value first (map.hist("retval"),
// map.lhist("retval", 0, 2000, 200)), then optionally a table of the other
// options (map.hist("retval", {key = "comm"})).
func optionsArg(L *lua.LState, kindName string, kind aggtext.Kind) *lua.LTable {
	value, ok := L.Get(1).(lua.LString)
	if !ok {
		return L.OptTable(1, L.NewTable())
	}
	if kind == aggtext.Count {
		L.ArgError(1, fmt.Sprintf(`a count takes no value; key it with map.count{key = %q}`, string(value)))
	}
	positional := []string{"value"}
	if kind == aggtext.LinearHist {
		positional = append(positional, "min", "max", "step")
	}
	opts := L.NewTable()
	if rest, ok := L.Get(len(positional) + 1).(*lua.LTable); ok {
		rest.ForEach(opts.RawSet)
	} else if L.Get(len(positional)+1) != lua.LNil {
		L.ArgError(len(positional)+1, "a table of the other options expected, got "+L.Get(len(positional)+1).Type().String())
	}
	for i, name := range positional {
		if opts.RawGetString(name) != lua.LNil {
			L.ArgError(len(positional)+1, fmt.Sprintf("%s is argument %d already", name, i+1))
		}
		if i > 0 {
			L.CheckNumber(i + 1)
		}
		opts.RawSetString(name, L.Get(i+1))
	}
	return opts
}

// wrap returns m to Lua and keeps it for the exit printout.
func (mod *Module) wrap(L *lua.LState, m *Map) lua.LValue {
	m.mod = mod
	mod.maps = append(mod.maps, m)
	return Type.Wrap(L, m)
}

// Print writes the map as print(m) does: print() shows maps in their own
// layout, as bpftrace's print(@map).
func (m *Map) Print(L *lua.LState) { m.mod.printMap(L, m, 0) }

// Compile compiles each map's key and value for one probe target into
// spec, creating the kernel maps in k on first use.
func Compile(k Kernel, p capture.Probe, prog *capture.Program, into []*Map, spec *collector.Spec) error {
	for _, m := range into {
		u, err := capture.CompileMapUpdate(p, prog, m.keys, m.value)
		if err != nil {
			return fmt.Errorf("map %s: %w", m.label(), err)
		}
		if m.km == nil {
			if m.km, err = k.NewAggMap(u.KeyBytes, m.max); err != nil {
				return fmt.Errorf("map %s: %w", m.label(), err)
			}
			m.shape, m.decode, m.kernel = u.Shape(), u.Decode, k
		} else if u.Shape() != m.shape || u.KeyBytes > m.km.KeySize() {
			return &diag.Error{Msg: fmt.Sprintf("map %s: its key has a different type here than in the probe that first fed it", m.label()), Hint: "use a separate map", Kind: diag.ErrScript}
		}
		agg := collector.Agg{Map: m.km, Parts: u.Parts, Value: u.Value, ValueSize: u.ValueSize, ValueSigned: u.ValueSigned}
		switch m.kind {
		case aggtext.Hist:
			agg.Kind = collector.AggHist
		case aggtext.LinearHist:
			agg.Kind, agg.Min, agg.Max, agg.Step = collector.AggLinearHist, m.lin.Min, m.lin.Max, m.lin.Step
		}
		spec.Aggs = append(spec.Aggs, agg)
	}
	return nil
}

// label names the map in messages.
func (m *Map) label() string {
	if m.name != "" {
		return "@" + m.name
	}
	return "(" + strings.Join(m.keys, ", ") + ")"
}

// rows reads the map: kernel maps from the kernel, summed over CPUs and
// grouped by key without the histogram bucket.
func (mod *Module) rows(L *lua.LState, m *Map) ([]*mapRow, error) {
	if m.local != nil || m.fed != nil {
		src := m.local
		if src == nil {
			src = m.fed
		}
		out := make([]*mapRow, 0, len(src))
		for _, row := range src {
			out = append(out, row)
		}
		return out, nil
	}
	if m.km == nil {
		return nil, nil
	}
	entries, err := m.km.Entries()
	if err != nil {
		return nil, err
	}
	byKey := map[string]*mapRow{}
	var out []*mapRow
	for _, e := range entries {
		id := string(e.Key[:len(e.Key)-8])
		row := byKey[id]
		if row == nil {
			row = &mapRow{buckets: map[uint64]int64{}}
			row.key, row.text = mod.decodeKey(L, m, e.Key)
			byKey[id] = row
			out = append(out, row)
		}
		row.value.Merge(e.Value)
		row.buckets[binary.LittleEndian.Uint64(e.Key[len(e.Key)-8:])] += e.Value.Count
	}
	return out, nil
}

// decodeKey turns a kernel key into Lua values and their text.
func (mod *Module) decodeKey(L *lua.LState, m *Map, key []byte) ([]lua.LValue, []string) {
	var vals []lua.LValue
	var texts []string
	for _, d := range m.decode {
		b := key[d.Offset : d.Offset+d.Width] // empty for literals
		switch d.Kind {
		case capture.KeyInt:
			n := int64(binary.LittleEndian.Uint64(b))
			vals, texts = append(vals, value.Int(n)), append(texts, strconv.FormatInt(n, 10))
		case capture.KeyUint:
			n := binary.LittleEndian.Uint64(b)
			vals, texts = append(vals, value.Uint(n)), append(texts, strconv.FormatUint(n, 10))
		case capture.KeyString:
			s := string(b)
			if i := strings.IndexByte(s, 0); i >= 0 {
				s = s[:i]
			}
			vals, texts = append(vals, lua.LString(s)), append(texts, s)
		case capture.KeyBuffer:
			vals, texts = append(vals, lua.LString(b)), append(texts, BufferText(b))
		case capture.KeyLiteral:
			vals, texts = append(vals, lua.LString(d.Literal)), append(texts, d.Literal)
		case capture.KeyProbe:
			name := fmt.Sprintf("probe %d", binary.LittleEndian.Uint32(b))
			if mod.ProbeName != nil {
				name = mod.ProbeName(binary.LittleEndian.Uint32(b))
			}
			vals, texts = append(vals, lua.LString(name)), append(texts, name)
		case capture.KeyKernelStack, capture.KeyUserStack:
			id, pid := collector.StackKey(binary.LittleEndian.Uint64(b))
			addrs, err := m.kernel.Stack(id)
			if err != nil {
				addrs = nil
			}
			st := stack.New(L, mod.syms, addrs, d.Kind == capture.KeyUserStack, pid)
			vals, texts = append(vals, st), append(texts, keyStackText(st))
		}
	}
	return vals, texts
}

// rowValue is what get and items give for a row: a number, or a table for
// stats and histograms.
func (m *Map) rowValue(L *lua.LState, row *mapRow) lua.LValue {
	switch m.kind {
	case aggtext.Stats:
		t := L.NewTable()
		L.SetField(t, "count", value.Int(row.value.Count))
		L.SetField(t, "average", value.Int(aggtext.Stats.Scalar(row.value)))
		L.SetField(t, "total", value.Int(row.value.Sum))
		L.SetField(t, "min", value.Int(row.value.Min))
		L.SetField(t, "max", value.Int(row.value.Max))
		return t
	case aggtext.Hist, aggtext.LinearHist:
		t := L.NewTable()
		L.SetField(t, "count", value.Int(row.value.Count))
		buckets := L.NewTable()
		idx := make([]uint64, 0, len(row.buckets))
		for i, n := range row.buckets {
			if n > 0 {
				idx = append(idx, i)
			}
		}
		sort.Slice(idx, func(a, b int) bool { return idx[a] < idx[b] })
		for _, i := range idx {
			b := L.NewTable()
			lo, hi := aggtext.BucketRange(m.kind, i, m.lin)
			L.SetField(b, "lo", value.Int(lo))
			L.SetField(b, "hi", value.Int(hi))
			L.SetField(b, "label", lua.LString(aggtext.BucketLabel(m.kind, i, m.lin)))
			L.SetField(b, "count", value.Int(row.buckets[i]))
			buckets.Append(b)
		}
		L.SetField(t, "buckets", buckets)
		return t
	}
	return value.Int(m.kind.Scalar(row.value))
}

// rowKey is a row's key as Lua sees it: the value, or an array of parts.
func rowKey(L *lua.LState, row *mapRow) lua.LValue {
	switch len(row.key) {
	case 0:
		return lua.LNil
	case 1:
		return row.key[0]
	}
	t := L.NewTable()
	for _, k := range row.key {
		t.Append(k)
	}
	return t
}

// sortedRows reads and orders the rows by value as printing does.
func (mod *Module) sortedRows(L *lua.LState, m *Map) []*mapRow {
	rows, err := mod.rows(L, m)
	if err != nil {
		L.RaiseError("map %s: %s", mod.mapName(L, m), err.Error())
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := m.kind.Scalar(rows[i].value), m.kind.Scalar(rows[j].value)
		if a != b {
			return a < b
		}
		return strings.Join(rows[i].text, ",") < strings.Join(rows[j].text, ",")
	})
	return rows
}

// mapItems implements m:items(): {key=, value=} tables, smallest value
// first (as printed).
func (mod *Module) mapItems(L *lua.LState) int {
	m := Type.Check(L, 1)
	out := L.NewTable()
	for _, row := range mod.sortedRows(L, m) {
		item := L.NewTable()
		L.SetField(item, "key", rowKey(L, row))
		L.SetField(item, "value", m.rowValue(L, row))
		out.Append(item)
	}
	L.Push(out)
	return 1
}

// mapGet implements m:get(key): the key's value, or nil. Composite keys
// are given as a list or as separate arguments.
func (mod *Module) mapGet(L *lua.LState) int {
	m := Type.Check(L, 1)
	var parts []lua.LValue
	if t, ok := L.Get(2).(*lua.LTable); ok && L.GetTop() == 2 {
		for i := 1; i <= t.Len(); i++ {
			parts = append(parts, t.RawGetInt(i))
		}
	} else {
		for i := 2; i <= L.GetTop(); i++ {
			parts = append(parts, L.Get(i))
		}
	}
	want := make([]string, len(parts))
	for i, v := range parts {
		if !isKeyPart(v) {
			L.ArgError(2, fmt.Sprintf("key part %d is a %s; map keys are numbers and strings", i+1, v.Type()))
		}
		want[i] = keyText(v)
	}
	if m.local == nil && len(parts) != len(m.keys) {
		L.ArgError(2, fmt.Sprintf("map %s is keyed by %s; got %s", mod.mapName(L, m), keyShape(m.keys), plural(len(parts), "key part")))
	}
	rows, err := mod.rows(L, m)
	if err != nil {
		L.RaiseError("map %s: %s", mod.mapName(L, m), err.Error())
	}
	for _, row := range rows {
		if len(row.key) != len(want) {
			continue
		}
		match := true
		for i, k := range row.key {
			if keyText(k) != want[i] {
				match = false
			}
		}
		if match {
			L.Push(m.rowValue(L, row))
			return 1
		}
	}
	L.Push(lua.LNil)
	return 1
}

// isKeyPart reports whether v can be (part of) a map key: what the
// kernel keys decode to (numbers, strings, stacks).
func isKeyPart(v lua.LValue) bool {
	switch x := v.(type) {
	case lua.LNumber, lua.LString, lua.LBool:
		return true
	case *lua.LUserData:
		_, ok := stack.Type.Of(x)
		return ok
	}
	return false
}

// plural is "1 key part", "2 key parts".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// keyShape describes a map's key for errors: "no key", "comm", or
// "2 parts (pid, comm)".
func keyShape(keys []string) string {
	switch len(keys) {
	case 0:
		return "no key (use m:get())"
	case 1:
		return keys[0]
	}
	return fmt.Sprintf("%d parts (%s)", len(keys), strings.Join(keys, ", "))
}

// keyText compares keys by their text: numbers and "0x..." strings of the
// 64-bit rule both come out as decimal.
func keyText(v lua.LValue) string {
	switch x := v.(type) {
	case lua.LNumber:
		return strconv.FormatFloat(float64(x), 'f', -1, 64)
	case lua.LString:
		if n, err := strconv.ParseUint(strings.TrimPrefix(string(x), "0x"), 16, 64); err == nil && strings.HasPrefix(string(x), "0x") {
			return strconv.FormatUint(n, 10)
		}
		return string(x)
	case *lua.LUserData:
		if st, ok := stack.Type.Of(x); ok {
			return st.String()
		}
	}
	return v.String()
}

func (mod *Module) mapLen(L *lua.LState) int {
	m := Type.Check(L, 1)
	rows, err := mod.rows(L, m)
	if err != nil {
		L.RaiseError("map %s: %s", mod.mapName(L, m), err.Error())
	}
	L.Push(lua.LNumber(len(rows)))
	return 1
}

func (mod *Module) mapClear(L *lua.LState) int {
	m := Type.Check(L, 1)
	if m.local != nil {
		m.local = map[string]*mapRow{}
	} else if m.fed != nil {
		m.fed = map[string]*mapRow{}
	} else if m.km != nil {
		if err := m.km.Clear(); err != nil {
			L.RaiseError("map %s: %s", mod.mapName(L, m), err.Error())
		}
	}
	return 0
}

// mapLost implements m:lost(): updates dropped because the map was full.
func (mod *Module) mapLost(L *lua.LState) int {
	m := Type.Check(L, 1)
	n := m.fedLost
	if m.km != nil {
		var err error
		if n, err = m.km.Lost(); err != nil {
			L.RaiseError("map %s: %s", mod.mapName(L, m), err.Error())
		}
	}
	L.Push(value.Uint(n))
	return 1
}

// Close releases the kernel maps, reporting updates they lost, and
// the pinned maps the script opened.
func (mod *Module) Close(L *lua.LState) {
	mod.served.Lock()
	mod.served.maps = nil
	mod.served.Unlock()
	for _, p := range mod.pinned {
		p.m.Close()
	}
	mod.pinned = nil
	for _, m := range mod.maps {
		if m.km == nil {
			continue
		}
		if n, err := m.km.Lost(); err == nil && n > 0 {
			fmt.Fprintf(mod.stderr, "luatrace: map %s lost %d updates: it was full (max = %d keys); raise max or narrow the key\n", mod.mapName(L, m), n, m.max)
		}
		m.km.Close()
		m.km = nil
	}
}
