package maps

import (
	"fmt"
	"sort"
	"strings"

	"github.com/luatrace/luatrace/luaapi/aggtext"
	"github.com/luatrace/luatrace/luaapi/diag"
	"github.com/luatrace/luatrace/luaapi/stack"
	lua "github.com/yuin/gopher-lua"
)

// keyStackText lays a stack out as bpftrace does inside a map key: one
// frame per line, indented by four.
func keyStackText(v lua.LValue) string {
	st, _ := stack.Type.Of(v)
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
func (m *Map) aggRows(rows []*mapRow) []aggtext.Row {
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
	_, ok := stack.Type.Of(v)
	return ok
}

// mapText is the map as bpftrace prints it.
func (mod *Module) mapText(L *lua.LState, m *Map, top int) string {
	rows, err := mod.rows(L, m)
	if err != nil {
		L.RaiseError("map %s: %s", mod.mapName(L, m), err.Error())
	}
	m.printed = true
	var b strings.Builder
	aggtext.Format(&b, mod.mapName(L, m), m.kind, m.aggRows(rows), top, m.lin)
	return b.String()
}

// mapName is "@" and the name given, or the global holding the map.
func (mod *Module) mapName(L *lua.LState, m *Map) string {
	if m.name == "" {
		L.G.Global.ForEach(func(k, v lua.LValue) {
			if ud, ok := v.(*lua.LUserData); ok && ud.Value == m && m.name == "" {
				m.name = k.String()
			}
		})
	}
	return "@" + m.name
}

// mapPrint implements m:print{top=N}.
func (mod *Module) mapPrint(L *lua.LState) int {
	m := Type.Check(L, 1)
	var top lua.LValue = lua.LNil
	switch opts := L.Get(2).(type) {
	case *lua.LTable:
		opts.ForEach(func(k, v lua.LValue) {
			if k.String() != "top" {
				L.ArgError(2, fmt.Sprintf("unknown option %s (known: top)", diag.Printable(k.String())))
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
			L.ArgError(2, "top must be a whole number of rows (0 for all), got "+diag.Printable(top.String()))
		}
		n = int(f)
	}
	mod.printMap(L, m, n)
	return 0
}

// printMap writes the map through the output writer: bpftrace's text, or a
// "map"/"hist" record with -f json.
func (mod *Module) printMap(L *lua.LState, m *Map, top int) {
	if !mod.out.JSON() {
		mod.out.Print([]byte(mod.mapText(L, m, top)))
		return
	}
	rows := mod.sortedRows(L, m)
	if top > 0 && len(rows) > top {
		rows = rows[len(rows)-top:]
	}
	m.printed = true
	typ, data := m.jsonData(rows)
	mod.out.Record(typ, map[string]any{mod.mapName(L, m): data})
}

// jsonData shapes rows as bpftrace's JSON output: {"key": value} (or the
// value alone without keys), histograms as lists of buckets.
func (m *Map) jsonData(rows []*mapRow) (string, any) {
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

// PrintUnprinted prints, at exit, every map the script never printed, in
// name order, as bpftrace does.
func (mod *Module) PrintUnprinted(L *lua.LState) {
	var todo []*Map
	for _, m := range mod.maps {
		if m.printed || m.km == nil && len(m.local) == 0 && len(m.fed) == 0 {
			continue
		}
		// Empty maps print nothing, as in bpftrace.
		if rows, err := mod.rows(L, m); err == nil && len(rows) == 0 {
			continue
		}
		mod.mapName(L, m)
		todo = append(todo, m)
	}
	if len(todo) == 0 {
		return
	}
	sort.SliceStable(todo, func(i, j int) bool { return todo[i].name < todo[j].name })
	if !mod.out.JSON() {
		mod.out.Print([]byte("\n"))
	}
	for _, m := range todo {
		if err := L.CallByParam(lua.P{Fn: L.NewFunction(func(L *lua.LState) int {
			mod.printMap(L, m, 0)
			return 0
		}), Protect: true}); err != nil {
			fmt.Fprintf(mod.stderr, "luatrace: %s\n", diag.Message(err))
		}
	}
}
