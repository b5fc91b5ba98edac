package repl

import (
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Complete lists the global names, or fields of a global table, that
// start with word ("str" → string, "string.fo" → string.format).
func Complete(L *lua.LState, word string) []string {
	parts := strings.Split(word, ".")
	var t *lua.LTable = L.G.Global
	for _, p := range parts[:len(parts)-1] {
		next, ok := L.GetField(t, p).(*lua.LTable)
		if !ok {
			return nil
		}
		t = next
	}
	prefix := strings.Join(parts[:len(parts)-1], ".")
	if prefix != "" {
		prefix += "."
	}
	last := parts[len(parts)-1]
	var out []string
	t.ForEach(func(k, v lua.LValue) {
		name, ok := k.(lua.LString)
		if !ok || !strings.HasPrefix(string(name), last) || !identifier.MatchString(string(name)) {
			return
		}
		full := prefix + string(name)
		switch v.(type) {
		case *lua.LFunction:
			full += "("
		case *lua.LTable:
			full += "."
		}
		out = append(out, full)
	})
	sort.Strings(out)
	return out
}
