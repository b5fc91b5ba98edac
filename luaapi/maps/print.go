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
// frame per line, indented by four; an empty stack (a kernel stack of a
// sample taken in user mode) is the empty string, so the key prints @[].
func keyStackText(v lua.LValue) string {
	st, _ := stack.Type.Of(v)
	frames := strings.TrimSpace(st.String())
	if frames == "" {
		return ""
	}
	var b strings.Builder
	b.WriteByte('\n')
	for _, line := range strings.Split(frames, "\n") {
		b.WriteString("    " + strings.TrimSpace(line) + "\n")
	}
	return b.String()
}

// aggRows lays rows out for printing. For text, keys from traced programs
// are escaped so a newline in a command name cannot forge a line; stacks
// keep their one-frame-per-line layout. JSON escapes keys itself.
func (m *Map) aggRows(rows []*mapRow, escape bool) []aggtext.Row {
	out := make([]aggtext.Row, len(rows))
	for i, row := range rows {
		key := make([]string, len(row.text))
		for j, text := range row.text {
			key[j] = text
			if escape && (j >= len(row.key) || !isStack(row.key[j])) {
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
	var b strings.Builder
	aggtext.Format(&b, mod.mapName(L, m), m.kind, m.aggRows(mod.printedRows(L, m), true), top, m.lin)
	return b.String()
}

// printedRows reads the map's rows for printing it, which makes it printed.
func (mod *Module) printedRows(L *lua.LState, m *Map) []*mapRow {
	rows, err := mod.rows(L, m)
	if err != nil {
		L.RaiseError("map %s: %s", mod.mapName(L, m), err.Error())
	}
	m.printed = true
	return rows
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

// printMap writes the map through the output writer: bpftrace's text, or
// with -f json bpftrace's record ("map", "stats" or "hist"; none for an
// empty map, as bpftrace).
func (mod *Module) printMap(L *lua.LState, m *Map, top int) {
	if !mod.out.JSON() {
		mod.out.Print([]byte(mod.mapText(L, m, top)))
		return
	}
	rows := m.aggRows(mod.printedRows(L, m), false)
	if data := aggtext.AppendJSON(nil, mod.mapName(L, m), m.kind, rows, top, m.lin); data != nil {
		mod.out.Record(m.kind.RecordType(), data)
	}
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

// BufferText shows a buffer key part as bpftrace shows buf(): printable
// ASCII as it is, every other byte as \xNN (@[gp\x00\x00]).
func BufferText(b []byte) string {
	var t strings.Builder
	for _, c := range b {
		if c >= 0x20 && c < 0x7f {
			t.WriteByte(c)
		} else {
			fmt.Fprintf(&t, "\\x%02x", c)
		}
	}
	return t.String()
}
