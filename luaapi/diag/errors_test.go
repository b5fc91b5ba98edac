package diag

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func TestSyntaxMessage(t *testing.T) {
	tests := []struct{ code, want string }{
		{"x = = 1", "script.lua:1:5: syntax error near '='"},
		{"print(1)\nfoo bar\n", "script.lua:2:7: parse error near 'bar'"},
		{"print(1)\nprobe((\n", "script.lua:2: syntax error at the end of the script"},
	}
	for _, tc := range tests {
		L := lua.NewState()
		_, err := L.Load(strings.NewReader(tc.code), "script.lua")
		L.Close()
		if err == nil {
			t.Fatalf("%q parsed", tc.code)
		}
		if got := Syntax("script.lua", tc.code, err); !strings.HasPrefix(got, tc.want) || strings.Contains(got, "\n") {
			t.Errorf("%q: got %q, want prefix %q", tc.code, got, tc.want)
		}
	}
}

func TestErrorLogSummarises(t *testing.T) {
	var out bytes.Buffer
	l := Log{w: &out}
	for range 100 {
		l.Record("tracepoint:a:b", errors.New("boom"))
	}
	for i := range 8 {
		l.Record("kprobe:f", errors.New("distinct "+string(rune('a'+i))))
	}
	l.Summary()
	s := out.String()
	if strings.Count(s, "error in tracepoint:a:b: boom") != 1 || !strings.Contains(s, "tracepoint:a:b happened 100 times: boom") {
		t.Errorf("repeats not summarised:\n%s", s)
	}
	// 5 distinct errors shown in full; the others counted at exit.
	if n := strings.Count(s, "luatrace: error in kprobe:f: distinct"); n != maxShownErrors-1 {
		t.Errorf("%d distinct errors shown in full:\n%s", n, s)
	}
	if !strings.Contains(s, "kprobe:f happened once: distinct h") || !strings.Contains(s, "more callback errors") {
		t.Errorf("hidden errors not summarised:\n%s", s)
	}
}
