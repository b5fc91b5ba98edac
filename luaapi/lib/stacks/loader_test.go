package stacks

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestLuaModule: the encoders take a list of samples from Lua and reject
// malformed ones with a message naming the sample.
func TestLuaModule(t *testing.T) {
	tests := []struct {
		code, want string // want: an error containing it, or "" for success
	}{
		{`return s.pprof({{frames = {"main", "cmp"}, value = 3}}, {type = "samples", unit = "count"})`, ""},
		{`return s.svg({{frames = {"main"}, value = 1}})`, ""},
		{`return s.pprof({{frames = {"main"}}})`, "sample 1 has no numeric value"},
		{`return s.svg({{value = 1}, 5})`, "sample 1 has no frames list"},
		{`return s.svg({5})`, "sample 1 is not a table"},
		{`return s.svg("x")`, "table expected"},
	}
	for _, tc := range tests {
		L := lua.NewState()
		Preload(L)
		err := L.DoString(`s = require("luatrace.stacks") ` + tc.code)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.code, err)
		case tc.want == "" && (L.Get(-1).Type() != lua.LTString || lua.LVAsString(L.Get(-1)) == ""):
			t.Errorf("%s: returned %v, want the encoded bytes", tc.code, L.Get(-1))
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want %q", tc.code, err, tc.want)
		}
		L.Close()
	}
}
