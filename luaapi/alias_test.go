package luaapi

import (
	"strings"
	"testing"
)

func TestAliasDefinitionErrors(t *testing.T) {
	tests := []struct{ name, code, want string }{
		{"no namespace", `alias("tcp_send", {try = {"tracepoint:a:b"}})`, "NAMESPACE:NAME"},
		{"probe type namespace", `alias("kprobe:x", {try = {"tracepoint:a:b"}})`, "not a probe type"},
		{"empty try", `alias("n:x", {try = {}})`, "try must list"},
		{"bad spec", `alias("n:x", {try = {"kprob:vfs_read"}})`, "did you mean kprobe?"},
		{"user-space kind", `alias("n:x", {try = {"BEGIN"}})`, "BEGIN is not a kernel or user probe"},
		{"unknown key", `alias("n:x", {try = {"tracepoint:a:b"}, feilds = {}})`, `unknown key "feilds"`},
		{"bad field name", `alias("n:x", {try = {"tracepoint:a:b"}, fields = {pid = "arg0"}})`, "taken by the event"},
		{"empty candidate table", `alias("n:x", {try = {{fields = {}}}})`, "try[1] names no probe spec"},
		{"bad candidate", `alias("n:x", {try = {{"tracepoint:a:b", 5}}})`, "try[1]: must be a probe spec string"},
		{"unknown alias", `alias("n:read", {try = {"tracepoint:a:b"}}) probe("n:raed", function() end)`, `no probe alias "n:raed" (did you mean n:read?)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errs, status := runCode(t, Options{}, tc.code)
			if status != 2 || !strings.Contains(errs, tc.want) || !strings.Contains(errs, "script.lua:1:") {
				t.Errorf("status %d, stderr %q; want 2 and %q at script.lua:1", status, errs, tc.want)
			}
		})
	}
}

func TestAliasListing(t *testing.T) {
	r := New(Options{})
	defer r.L.Close()
	err := r.L.DoString(`alias("net:b", {try = {"tracepoint:a:b", {"kprobe:f", "kprobe:g", fields = {x = "arg0"}}}, doc = "B"})
alias("net:a", {try = {"tracepoint:a:a"}})`)
	if err != nil {
		t.Fatal(err)
	}
	got := r.Aliases()
	if len(got) != 2 || got[0].Name != "net:a" || got[1].Doc != "B" || strings.Join(got[1].Candidates, " ") != "tracepoint:a:b kprobe:f+kprobe:g" {
		t.Errorf("Aliases() = %+v", got)
	}
}

func TestExpandFieldNames(t *testing.T) {
	fields := map[string]string{"size": "arg2", "name": "str(args.filename)"}
	tests := []struct{ in, want string }{
		{"size > 10", "(arg2) > 10"},
		{"size > 10 && pid == 3", "(arg2) > 10 && pid == 3"},
		{"arg0->size == 1", "arg0->size == 1"},
		{"((struct x *)arg0).size == 1", "((struct x *)arg0).size == 1"},
		{`comm == "size"`, `comm == "size"`},
		{`comm == "a\"size" || size2 == 1`, `comm == "a\"size" || size2 == 1`},
		{"!(size<1)", "!((arg2)<1)"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := expandFieldNames(tc.in, fields); got != tc.want {
			t.Errorf("expandFieldNames(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestJoinFiltersAndMergeFields(t *testing.T) {
	if got := joinFilters("", "a > 1", "", "b || c"); got != "(a > 1) && (b || c)" {
		t.Errorf("joinFilters = %q", got)
	}
	if got := joinFilters("", "a > 1"); got != "a > 1" {
		t.Errorf("joinFilters one = %q", got)
	}
	m := mergeFields(map[string]string{"a": "1", "b": "2"}, nil, map[string]string{"b": "3"})
	if len(m) != 2 || m["a"] != "1" || m["b"] != "3" {
		t.Errorf("mergeFields = %v", m)
	}
	if mergeFields(nil, nil) != nil {
		t.Errorf("mergeFields of nothing should be nil")
	}
}
