package luaapi

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/capture"
	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/luaapi/aggtext"
	"github.com/luatrace/luatrace/luaapi/value"
)

const mapTypeName = "luatrace.map"

// DefaultMapEntries is how many keys a map holds unless the script says
// (bpftrace's default too); updates for further keys are counted as lost.
const DefaultMapEntries = 4096

// luaMap is what map.count{...} and friends return: an aggregation the
// kernel updates (probes name it in opts.into), or, for hist.new(), one
// the script feeds with :add().
type luaMap struct {
	name  string // "" until known: the global holding it, else "@"
	kind  aggtext.Kind
	keys  []string // key expressions
	value string   // value expression ("" for counts)
	lin   aggtext.Linear
	max   uint32

	// Kernel side, created when the first probe feeds the map.
	km     *collector.AggMap
	shape  string
	decode []capture.KeyPart

	// Lua side (hist.new): rows by their key's text.
	local map[string]*mapRow

	printed bool
}

// mapRow is one key: its parts as Lua values and text, and its aggregate.
type mapRow struct {
	key     []lua.LValue
	text    []string
	value   aggtext.Value
	buckets map[uint64]int64
}

func (r *Runtime) installMaps() {
	mt := r.L.NewTypeMetatable(mapTypeName)
	r.L.SetField(mt, "__index", r.L.SetFuncs(r.L.NewTable(), map[string]lua.LGFunction{
		"get":   r.mapGet,
		"items": r.mapItems,
		"len":   r.mapLen,
		"clear": r.mapClear,
		"print": r.mapPrint,
		"add":   r.mapAdd,
		"lost":  r.mapLost,
	}))
	r.L.SetField(mt, "__tostring", r.L.NewFunction(func(L *lua.LState) int {
		m := checkMap(L, 1)
		L.Push(lua.LString(r.mapText(L, m, 0)))
		return 1
	}))
	r.L.SetField(mt, "__len", r.L.NewFunction(r.mapLen))
	mod := r.L.NewTable()
	for name, kind := range aggtext.Kinds {
		r.L.SetField(mod, name, r.L.NewFunction(r.newKernelMap(name, kind)))
	}
	r.installPinned(mod)
	r.L.SetGlobal("map", mod)
	hist := r.L.NewTable()
	r.L.SetField(hist, "new", r.L.NewFunction(r.newLocalHist))
	r.L.SetGlobal("hist", hist)
}

func checkMap(L *lua.LState, n int) *luaMap {
	if ud, ok := L.Get(n).(*lua.LUserData); ok {
		if m, ok := ud.Value.(*luaMap); ok {
			return m
		}
	}
	L.ArgError(n, "map expected")
	return nil
}

func (r *Runtime) wrapMap(L *lua.LState, m *luaMap) lua.LValue {
	ud := L.NewUserData()
	ud.Value = m
	L.SetMetatable(ud, L.GetTypeMetatable(mapTypeName))
	r.maps = append(r.maps, m)
	return ud
}

// newKernelMap implements map.count{key=, max=, name=} and the others,
// which also take value= (and min/max/step for lhist).
func (r *Runtime) newKernelMap(kindName string, kind aggtext.Kind) lua.LGFunction {
	return func(L *lua.LState) int {
		opts := L.OptTable(1, L.NewTable())
		m := &luaMap{kind: kind, max: DefaultMapEntries}
		var err error
		opts.ForEach(func(k, v lua.LValue) {
			if err != nil {
				return
			}
			switch k.String() {
			case "key":
				m.keys, err = keyList(v)
			case "value":
				if s, ok := v.(lua.LString); ok && s != "" {
					m.value = string(s)
				} else {
					err = fmt.Errorf(`value must be an expression string such as "duration / 1000", got %s`, v.Type())
				}
			case "name":
				m.name = strings.TrimPrefix(v.String(), "@")
			case limitOption(kind):
				m.max, err = keyLimit(k.String(), v)
			case "min", "max", "step":
				// A linear histogram's bounds, read by linearBounds.
				if kind == aggtext.LinearHist {
					break
				}
				fallthrough
			default:
				err = fmt.Errorf("map.%s has no option %q (known: key, value, name, %s)", kindName, k.String(), linearOptions(kind))
			}
		})
		if err == nil {
			err = m.checkValue(kindName, opts)
		}
		if err != nil {
			L.RaiseError("map.%s: %s", kindName, err.Error())
		}
		L.Push(r.wrapMap(L, m))
		return 1
	}
}

func linearOptions(kind aggtext.Kind) string {
	if kind == aggtext.LinearHist {
		return "min, max (the upper bound), step, entries (the key limit)"
	}
	return "max (the key limit)"
}

// limitOption names the option of a map's key limit: entries for a
// linear histogram, whose max is its upper bound, else max.
func limitOption(kind aggtext.Kind) string {
	if kind == aggtext.LinearHist {
		return "entries"
	}
	return "max"
}

// keyLimit reads the number of keys a map holds.
func keyLimit(name string, v lua.LValue) (uint32, error) {
	n, ok := v.(lua.LNumber)
	if !ok || n < 1 || n > 1<<24 || float64(n) != float64(int(n)) {
		return 0, fmt.Errorf("%s must be a number of keys from 1 to %d, got %s", name, 1<<24, v.String())
	}
	return uint32(n), nil
}

// checkValue checks the value expression against the kind, and reads a
// linear histogram's bounds.
func (m *luaMap) checkValue(kindName string, opts *lua.LTable) error {
	switch {
	case m.kind == aggtext.Count && m.value != "":
		return fmt.Errorf("a count adds 1 per event and takes no value; use map.sum for totals")
	case m.kind != aggtext.Count && m.value == "":
		return fmt.Errorf(`map.%s needs value = "expression", e.g. value = "args.count"`, kindName)
	}
	if m.kind != aggtext.LinearHist {
		return nil
	}
	return m.linearBounds(opts)
}

// linearBounds reads min, max and step of a linear histogram.
func (m *luaMap) linearBounds(opts *lua.LTable) error {
	get := func(name string) (int64, bool) {
		n, ok := opts.RawGetString(name).(lua.LNumber)
		return int64(n), ok && float64(n) == float64(int64(n))
	}
	lo, ok1 := get("min")
	hi, ok2 := get("max")
	step, ok3 := get("step")
	if !ok1 || !ok2 || !ok3 || step <= 0 || hi <= lo {
		return fmt.Errorf("map.lhist needs integer min, max and step with min < max and step > 0, e.g. {min=0, max=100, step=10}")
	}
	if (hi-lo)/step > 1000 {
		return fmt.Errorf("map.lhist{min=%d, max=%d, step=%d} would have %d buckets; at most 1000", lo, hi, step, (hi-lo)/step)
	}
	m.lin = aggtext.Linear{Min: lo, Max: hi, Step: step}
	return nil
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

// parseInto reads opts.into: a map or a list of maps.
func parseInto(v lua.LValue) ([]*luaMap, error) {
	one := func(v lua.LValue) (*luaMap, bool) {
		ud, ok := v.(*lua.LUserData)
		if !ok {
			return nil, false
		}
		m, ok := ud.Value.(*luaMap)
		return m, ok && m.local == nil
	}
	if m, ok := one(v); ok {
		return []*luaMap{m}, nil
	}
	t, ok := v.(*lua.LTable)
	if !ok || t.Len() == 0 {
		return nil, fmt.Errorf("option into must be a map from map.count{...} and friends, or a list of them")
	}
	var maps []*luaMap
	for i := 1; i <= t.Len(); i++ {
		m, ok := one(t.RawGetInt(i))
		if !ok {
			return nil, fmt.Errorf("into[%d] is not a kernel map (hist.new() histograms are fed with :add)", i)
		}
		maps = append(maps, m)
	}
	if len(maps) > collector.MaxAggs {
		return nil, fmt.Errorf("a probe feeds at most %d maps; attach a second probe for more", collector.MaxAggs)
	}
	return maps, nil
}

// compileInto compiles each map's key and value for one probe target and
// creates the kernel maps on first use.
func compileInto(k *kernel, p capture.Probe, prog *capture.Program, into []*luaMap, spec *collector.Spec) error {
	for _, m := range into {
		u, err := capture.CompileMapUpdate(p, prog, m.keys, m.value)
		if err != nil {
			return fmt.Errorf("map %s: %w", m.label(), err)
		}
		if m.km == nil {
			if m.km, err = k.col.NewAggMap(u.KeyBytes, m.max); err != nil {
				return fmt.Errorf("map %s: %w", m.label(), err)
			}
			m.shape, m.decode = u.Shape(), u.Decode
		} else if u.Shape() != m.shape || u.KeyBytes > m.km.KeySize() {
			return fmt.Errorf("map %s: its key has a different type here than in the probe that first fed it; use a separate map", m.label())
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
func (m *luaMap) label() string {
	if m.name != "" {
		return "@" + m.name
	}
	return "(" + strings.Join(m.keys, ", ") + ")"
}

// rows reads the map: kernel maps from the kernel, summed over CPUs and
// grouped by key without the histogram bucket.
func (r *Runtime) rows(L *lua.LState, m *luaMap) ([]*mapRow, error) {
	if m.local != nil {
		out := make([]*mapRow, 0, len(m.local))
		for _, row := range m.local {
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
			row.key, row.text = r.decodeKey(L, m, e.Key)
			byKey[id] = row
			out = append(out, row)
		}
		row.value.Merge(e.Value)
		row.buckets[binary.LittleEndian.Uint64(e.Key[len(e.Key)-8:])] += e.Value.Count
	}
	return out, nil
}

// decodeKey turns a kernel key into Lua values and their text.
func (r *Runtime) decodeKey(L *lua.LState, m *luaMap, key []byte) ([]lua.LValue, []string) {
	var vals []lua.LValue
	var texts []string
	for _, d := range m.decode {
		b := key[d.Offset : d.Offset+d.Width]
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
		case capture.KeyProbe:
			name := r.kernel.probeName(uint32(binary.LittleEndian.Uint64(b)))
			vals, texts = append(vals, lua.LString(name)), append(texts, name)
		case capture.KeyKernelStack, capture.KeyUserStack:
			id, pid := collector.StackKey(binary.LittleEndian.Uint64(b))
			addrs, err := r.kernel.col.Stack(id)
			if err != nil {
				addrs = nil
			}
			st := r.newStack(L, addrs, d.Kind == capture.KeyUserStack, pid)
			vals, texts = append(vals, st), append(texts, keyStackText(st))
		}
	}
	return vals, texts
}

// keyStackText lays a stack out as bpftrace does inside a map key: one
// frame per line, indented by four.
func keyStackText(v lua.LValue) string {
	st := v.(*lua.LUserData).Value.(*stack)
	var b strings.Builder
	b.WriteByte('\n')
	for _, line := range strings.Split(strings.TrimSpace(st.String()), "\n") {
		b.WriteString("    " + strings.TrimSpace(line) + "\n")
	}
	return b.String()
}

// aggRows lays rows out for printing. Keys from traced programs are
// escaped so a newline in a command name cannot forge a line; stacks keep
// their one-frame-per-line layout.
func (m *luaMap) aggRows(rows []*mapRow) []aggtext.Row {
	out := make([]aggtext.Row, len(rows))
	for i, row := range rows {
		key := make([]string, len(row.text))
		for j, text := range row.text {
			key[j] = text
			if j >= len(row.key) || !isStack(row.key[j]) {
				key[j] = aggtext.EscapeKey(text)
			}
		}
		out[i] = aggtext.Row{Key: key, Value: row.value, Buckets: row.buckets}
	}
	return out
}

func isStack(v lua.LValue) bool {
	ud, ok := v.(*lua.LUserData)
	if !ok {
		return false
	}
	_, ok = ud.Value.(*stack)
	return ok
}

// mapText is the map as bpftrace prints it.
func (r *Runtime) mapText(L *lua.LState, m *luaMap, top int) string {
	rows, err := r.rows(L, m)
	if err != nil {
		L.RaiseError("map %s: %s", r.mapName(m), err.Error())
	}
	m.printed = true
	var b strings.Builder
	aggtext.Format(&b, r.mapName(m), m.kind, m.aggRows(rows), top, m.lin)
	return b.String()
}

// mapName is "@" and the name given, or the global holding the map.
func (r *Runtime) mapName(m *luaMap) string {
	if m.name == "" {
		r.L.G.Global.ForEach(func(k, v lua.LValue) {
			if ud, ok := v.(*lua.LUserData); ok && ud.Value == m && m.name == "" {
				m.name = k.String()
			}
		})
	}
	return "@" + m.name
}

// rowValue is what get and items give for a row: a number, or a table for
// stats and histograms.
func (m *luaMap) rowValue(L *lua.LState, row *mapRow) lua.LValue {
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
func (r *Runtime) sortedRows(L *lua.LState, m *luaMap) []*mapRow {
	rows, err := r.rows(L, m)
	if err != nil {
		L.RaiseError("map %s: %s", r.mapName(m), err.Error())
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
func (r *Runtime) mapItems(L *lua.LState) int {
	m := checkMap(L, 1)
	out := L.NewTable()
	for _, row := range r.sortedRows(L, m) {
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
func (r *Runtime) mapGet(L *lua.LState) int {
	m := checkMap(L, 1)
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
		L.ArgError(2, fmt.Sprintf("map %s is keyed by %s; got %s", r.mapName(m), keyShape(m.keys), plural(len(parts), "key part")))
	}
	rows, err := r.rows(L, m)
	if err != nil {
		L.RaiseError("map %s: %s", r.mapName(m), err.Error())
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
		_, ok := x.Value.(*stack)
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
		if st, ok := x.Value.(*stack); ok {
			return st.String()
		}
	}
	return v.String()
}

func (r *Runtime) mapLen(L *lua.LState) int {
	m := checkMap(L, 1)
	rows, err := r.rows(L, m)
	if err != nil {
		L.RaiseError("map %s: %s", r.mapName(m), err.Error())
	}
	L.Push(lua.LNumber(len(rows)))
	return 1
}

func (r *Runtime) mapClear(L *lua.LState) int {
	m := checkMap(L, 1)
	if m.local != nil {
		m.local = map[string]*mapRow{}
	} else if m.km != nil {
		if err := m.km.Clear(); err != nil {
			L.RaiseError("map %s: %s", r.mapName(m), err.Error())
		}
	}
	return 0
}

// mapLost implements m:lost(): updates dropped because the map was full.
func (r *Runtime) mapLost(L *lua.LState) int {
	m := checkMap(L, 1)
	var n uint64
	if m.km != nil {
		var err error
		if n, err = m.km.Lost(); err != nil {
			L.RaiseError("map %s: %s", r.mapName(m), err.Error())
		}
	}
	L.Push(value.Uint(n))
	return 1
}

// mapPrint implements m:print{top=N}.
func (r *Runtime) mapPrint(L *lua.LState) int {
	m := checkMap(L, 1)
	var top lua.LValue = lua.LNil
	switch opts := L.Get(2).(type) {
	case *lua.LTable:
		opts.ForEach(func(k, v lua.LValue) {
			if k.String() != "top" {
				L.ArgError(2, fmt.Sprintf("unknown option %s (known: top)", Printable(k.String())))
			}
		})
		top = opts.RawGetString("top")
	case lua.LNumber:
		top = opts
	case *lua.LNilType:
	default:
		L.ArgError(2, "options table such as {top = 10} expected, got "+opts.Type().String())
	}
	n := 0
	if top != lua.LNil {
		f, ok := top.(lua.LNumber)
		if !ok || f < 0 || f != lua.LNumber(int(f)) {
			L.ArgError(2, "top must be a whole number of rows (0 for all), got "+Printable(top.String()))
		}
		n = int(f)
	}
	r.printMap(L, m, n)
	return 0
}

// printMap writes the map through the output writer: bpftrace's text, or a
// "map"/"hist" record with -f json.
func (r *Runtime) printMap(L *lua.LState, m *luaMap, top int) {
	if !r.out.JSON() {
		r.out.Print([]byte(r.mapText(L, m, top)))
		return
	}
	rows := r.sortedRows(L, m)
	if top > 0 && len(rows) > top {
		rows = rows[len(rows)-top:]
	}
	m.printed = true
	typ, data := m.jsonData(rows)
	r.out.Record(typ, map[string]any{r.mapName(m): data})
}

// jsonData shapes rows as bpftrace's JSON output: {"key": value} (or the
// value alone without keys), histograms as lists of buckets.
func (m *luaMap) jsonData(rows []*mapRow) (string, any) {
	one := func(row *mapRow) any {
		switch m.kind {
		case aggtext.Stats:
			return map[string]int64{"count": row.value.Count, "average": m.kind.Scalar(row.value), "total": row.value.Sum}
		case aggtext.Hist, aggtext.LinearHist:
			var out []map[string]any
			for i := uint64(0); i <= 1100; i++ {
				if n := row.buckets[i]; n > 0 {
					lo, hi := aggtext.BucketRange(m.kind, i, m.lin)
					out = append(out, map[string]any{"min": lo, "max": hi - 1, "count": n})
				}
			}
			return out
		}
		return m.kind.Scalar(row.value)
	}
	typ := "map"
	if m.kind.IsHist() {
		typ = "hist"
	}
	if len(rows) == 1 && len(rows[0].key) == 0 {
		return typ, one(rows[0])
	}
	data := map[string]any{}
	for _, row := range rows {
		data[strings.Join(row.text, ",")] = one(row)
	}
	return typ, data
}

// printUnprinted prints, at exit, every map the script never printed, in
// name order, as bpftrace does.
func (r *Runtime) printUnprinted() {
	var todo []*luaMap
	for _, m := range r.maps {
		if m.printed || m.km == nil && len(m.local) == 0 {
			continue
		}
		// Empty maps print nothing, as in bpftrace.
		if rows, err := r.rows(r.L, m); err == nil && len(rows) == 0 {
			continue
		}
		r.mapName(m)
		todo = append(todo, m)
	}
	if len(todo) == 0 {
		return
	}
	sort.SliceStable(todo, func(i, j int) bool { return todo[i].name < todo[j].name })
	if !r.out.JSON() {
		r.out.Print([]byte("\n"))
	}
	for _, m := range todo {
		if err := r.L.CallByParam(lua.P{Fn: r.L.NewFunction(func(L *lua.LState) int {
			r.printMap(L, m, 0)
			return 0
		}), Protect: true}); err != nil {
			fmt.Fprintf(r.stderr, "luatrace: %s\n", errorMessage(err))
		}
	}
}

// closeMaps releases the kernel maps, reporting updates they lost, and
// the pinned maps the script opened.
func (r *Runtime) closeMaps() {
	for _, p := range r.pinned {
		p.m.Close()
	}
	r.pinned = nil
	for _, m := range r.maps {
		if m.km == nil {
			continue
		}
		if n, err := m.km.Lost(); err == nil && n > 0 {
			fmt.Fprintf(r.stderr, "luatrace: map %s lost %d updates: it was full (max = %d keys); raise max or narrow the key\n", r.mapName(m), n, m.max)
		}
		m.km.Close()
		m.km = nil
	}
}
