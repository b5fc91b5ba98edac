package stdlib_test

import (
	"bytes"
	"testing"

	"github.com/luatrace/luatrace/luaapi"
)

// TestArgsParse runs args.parse over command lines: what it returns (each
// value with its Lua type), or the status and message it exits with.
func TestArgsParse(t *testing.T) {
	const spec = `{p = "pid", d = "number", x = "flag", n = "string"}`
	cases := []struct {
		name       string
		positional string // third argument of args.parse, Lua; "" for none
		argv       []string
		status     int
		want       string // stdout, or stderr when status is not 0
	}{
		{"options and positionals", "", []string{"-x", "-p", "12", "5", "a"}, 0, "1=number:5 2=string:a d=nil p=number:12 x=boolean:true\n"},
		{"positionals unchecked without a list", "", []string{"nan", "inf", "b"}, 0, "1=string:nan 2=string:inf 3=string:b d=nil p=nil x=nil\n"},
		{"pid negative", "", []string{"-p", "-5"}, 2, "t: -p needs a process id (a whole number from 1), got '-5'; see t -h\n"},
		{"pid zero", "", []string{"-p0"}, 2, "t: -p needs a process id (a whole number from 1), got '0'; see t -h\n"},
		{"pid fraction", "", []string{"-p", "1.5"}, 2, "t: -p needs a process id (a whole number from 1), got '1.5'; see t -h\n"},
		{"number nan", "", []string{"-d", "nan"}, 2, "t: -d needs a number, got 'nan'; see t -h\n"},
		{"number inf", "", []string{"-d", "-inf"}, 2, "t: -d needs a number, got '-inf'; see t -h\n"},
		{"listed positionals", `{{"SECONDS", "number"}, {"NAME", "string"}}`, []string{"2", "1e3"}, 0, "1=number:2 2=string:1e3 d=nil p=nil x=nil\n"},
		{"fewer than listed", `{{"SECONDS", "number"}, {"NAME", "string"}}`, nil, 0, "d=nil p=nil x=nil\n"},
		{"none taken", `{}`, []string{"x"}, 2, "t: takes no positional argument, got 'x'; see t -h\n"},
		{"too many", `{{"SECONDS", "number"}}`, []string{"1", "2"}, 2, "t: takes at most 1 positional argument (SECONDS), got '2' too; see t -h\n"},
		{"positional not a number", `{{"SECONDS", "number"}, {"TOP", "number"}}`, []string{"1", "nan"}, 2, "t: TOP needs a number, got 'nan'; see t -h\n"},
		{"empty positional", `{{"SECONDS", "number"}}`, []string{""}, 2, "t: SECONDS needs a number, got ''; see t -h\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pos := tc.positional
			if pos == "" {
				pos = "nil"
			}
			// The standard io library writes to the process's stderr;
			// the message is caught on Out instead.
			code := `io.stderr = {write = function(_, s) printf("%s", s) end}
local o = require("args").parse(arg, ` + spec + `, ` + pos + `)
local keys = {}
for k in pairs(o) do keys[#keys + 1] = tostring(k) end
for _, k in ipairs({"d", "p", "x"}) do if o[k] == nil then keys[#keys + 1] = k end end
table.sort(keys)
local out = {}
for _, k in ipairs(keys) do
  local v = o[tonumber(k) or k]
  out[#out + 1] = k .. "=" .. (v == nil and "nil" or type(v) .. ":" .. tostring(v))
end
print(table.concat(out, " "))`
			var out, errb bytes.Buffer
			status, err := luaapi.New(luaapi.Options{Out: &out, Stderr: &errb, ScriptName: "t.lua", Args: tc.argv}).RunScript("t.lua", code)
			if err != nil {
				t.Fatalf("%v\n%s", err, errb.String())
			}
			got := out.String()
			if status != tc.status || got != tc.want {
				t.Errorf("status %d, output %q; want %d, %q (stderr %q)", status, got, tc.status, tc.want, errb.String())
			}
		})
	}
}
