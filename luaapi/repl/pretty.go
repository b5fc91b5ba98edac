package repl

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/cfmt"
)

// Limits of the REPL's table printer: deeper levels print as {...}, and
// long tables end with a count of what was left out.
const (
	prettyDepth   = 4
	prettyEntries = 200
	prettyWidth   = 78
)

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Pretty renders a value for the REPL: strings as they are at the top
// level, tables expanded with sorted keys (on one line when short, else one
// entry per line), everything else as tostring would.
func Pretty(L *lua.LState, v lua.LValue) string {
	if s, ok := v.(lua.LString); ok {
		return string(s)
	}
	return prettyNested(L, v, "", 0, map[*lua.LTable]bool{})
}

func prettyNested(L *lua.LState, v lua.LValue, indent string, depth int, seen map[*lua.LTable]bool) string {
	switch x := v.(type) {
	case lua.LString:
		q, _ := cfmt.Append(L, nil, "%q", []lua.LValue{x})
		return string(q)
	case *lua.LTable:
		if L.GetMetaField(x, "__tostring") != lua.LNil {
			return L.ToStringMeta(x).String()
		}
		if seen[x] {
			return "<cycle>"
		}
		if depth >= prettyDepth {
			return "{...}"
		}
		seen[x] = true
		defer delete(seen, x)
		return prettyTable(L, x, indent, depth, seen)
	}
	return L.ToStringMeta(v).String()
}

func prettyTable(L *lua.LState, t *lua.LTable, indent string, depth int, seen map[*lua.LTable]bool) string {
	inner := indent + "  "
	var entries []string
	// The array part is 1..n without holes; t.Len() may count past holes.
	n := 0
	for t.RawGetInt(n+1) != lua.LNil {
		n++
	}
	for i := 1; i <= n && len(entries) < prettyEntries; i++ {
		entries = append(entries, prettyNested(L, t.RawGetInt(i), inner, depth+1, seen))
	}
	type kv struct {
		key string
		v   lua.LValue
	}
	var rest []kv
	total := n
	t.ForEach(func(k, v lua.LValue) {
		if num, ok := k.(lua.LNumber); ok && float64(num) == float64(int(num)) && int(num) >= 1 && int(num) <= n {
			return
		}
		total++
		key := "[" + prettyNested(L, k, inner, prettyDepth, seen) + "]"
		if s, ok := k.(lua.LString); ok && identifier.MatchString(string(s)) {
			key = string(s)
		}
		rest = append(rest, kv{key, v})
	})
	sort.Slice(rest, func(i, j int) bool { return rest[i].key < rest[j].key })
	for _, e := range rest {
		if len(entries) >= prettyEntries {
			break
		}
		entries = append(entries, e.key+" = "+prettyNested(L, e.v, inner, depth+1, seen))
	}
	if total > len(entries) {
		entries = append(entries, "... "+strconv.Itoa(total-len(entries))+" more")
	}
	if len(entries) == 0 {
		return "{}"
	}
	one := "{ " + strings.Join(entries, ", ") + " }"
	if len(one)+len(indent) <= prettyWidth && !strings.Contains(one, "\n") {
		return one
	}
	return "{\n" + inner + strings.Join(entries, ",\n"+inner) + "\n" + indent + "}"
}
