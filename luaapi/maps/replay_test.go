package maps

import (
	"bytes"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/capture"
	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/luaapi/output"
	"github.com/luatrace/luatrace/luaapi/stack"
)

// TestFeedAggregatesAsTheKernel: a kernel map rebuilt by a replay (Feed)
// reads and prints as the kernel's would: each kind's value, histogram
// buckets, and keys beyond max counted as lost.
func TestFeedAggregatesAsTheKernel(t *testing.T) {
	values := []int64{5, 0, 1, 2, 3, 100, -1}
	tests := []struct {
		kind, check, want string
	}{
		{`map.count{ key = "comm" }`, `m:get("a")`, "7"},
		{`map.sum{ key = "comm", value = "v" }`, `m:get("a")`, "110"},
		{`map.min{ key = "comm", value = "v" }`, `m:get("a")`, "-1"},
		{`map.max{ key = "comm", value = "v" }`, `m:get("a")`, "100"},
		{`map.avg{ key = "comm", value = "v" }`, `m:get("a")`, "15"},
		{`map.stats{ key = "comm", value = "v" }`, `(function(s) return s.count .. " " .. s.average .. " " .. s.total .. " " .. s.min .. " " .. s.max end)(m:get("a"))`, "7 15 110 -1 100"},
		{`map.hist{ key = "comm", value = "v" }`, `(function(h) local s = h.count for _, b in ipairs(h.buckets) do s = s .. " " .. b.label .. "=" .. b.count end return s end)(m:get("a"))`,
			"7 (..., 0)=1 [0]=1 [1]=1 [2, 4)=2 [4, 8)=1 [64, 128)=1"},
		{`map.lhist{ key = "comm", value = "v", min = 0, max = 10, step = 5 }`, `(function(h) local s = h.count for _, b in ipairs(h.buckets) do s = s .. " " .. b.label .. "=" .. b.count end return s end)(m:get("a"))`,
			"7 (..., 0)=1 [0, 5)=4 [5, 10)=1 [10, ...)=1"},
		{`map.count{ key = "comm", max = 1 }`, `m:len() .. " " .. tostring(m:lost())`, "1 1"},
	}
	for _, tc := range tests {
		L := lua.NewState()
		var out, errs bytes.Buffer
		New(output.New(&out, output.Text), &errs, &stack.Symbols{}).Open(L)
		if err := L.DoString("m = " + tc.kind); err != nil {
			t.Fatalf("%s: %v", tc.kind, err)
		}
		m, _ := Type.Of(L.GetGlobal("m"))
		for _, v := range values {
			m.Feed([]lua.LValue{lua.LString("a")}, []string{"a"}, v)
		}
		if tc.check == `m:len() .. " " .. tostring(m:lost())` {
			m.Feed([]lua.LValue{lua.LString("b")}, []string{"b"}, 1)
		}
		if err := L.DoString("got = " + tc.check); err != nil {
			t.Fatalf("%s: %v", tc.kind, err)
		}
		if got := L.GetGlobal("got").String(); got != tc.want {
			t.Errorf("%s: %s = %q, want %q", tc.kind, tc.check, got, tc.want)
		}
		L.Close()
	}
}

// TestRecordedKeyParts: a recorded string key part longer than the
// kernel's key holds is cut as the kernel cuts it, and a buffer part is
// kept whole (zeros and all, 64 bytes too) and shown as bpftrace shows
// buf(), so a replayed map has the live one's keys
// (TestReplayReadsRecordedHost and TestTcpretransReplay compare them end to end).
func TestRecordedKeyParts(t *testing.T) {
	long := strings.Repeat("a", 100)
	addr := []byte{127, 0, 0, 1}
	wide := []byte(strings.Repeat("b", collector.MaxKeyBytes))
	tests := []struct {
		key   string
		parts []capture.Value
		get   string // m:get's argument, Lua
		count string
		text  string // of the first part
	}{
		{`"str(args.filename)"`, []capture.Value{{Kind: capture.String, B: []byte(long)}, {Kind: capture.String, B: []byte(long + "b")}},
			`"` + long[:63] + `"`, "2", long[:63]},
		{`"args.saddr"`, []capture.Value{{Kind: capture.Bytes, B: addr}, {Kind: capture.Bytes, B: []byte{127, 0, 0, 2}}},
			`"\127\0\0\1"`, "1", `\x7f\x00\x00\x01`},
		{`"args.wide"`, []capture.Value{{Kind: capture.Bytes, B: wide}, {Kind: capture.Bytes, B: wide}},
			`"` + string(wide) + `"`, "2", string(wide)},
	}
	for _, tc := range tests {
		L := lua.NewState()
		var out, errs bytes.Buffer
		New(output.New(&out, output.Text), &errs, &stack.Symbols{}).Open(L)
		if err := L.DoString(`m = map.count{ key = ` + tc.key + ` }`); err != nil {
			t.Fatal(err)
		}
		m, _ := Type.Of(L.GetGlobal("m"))
		for i, v := range tc.parts {
			part, text := RecordedKeyPart(v, lua.LString(v.B))
			if i == 0 && text != tc.text {
				t.Errorf("%s: text %q, want %q", tc.key, text, tc.text)
			}
			m.Feed([]lua.LValue{part}, []string{text}, 1)
		}
		if err := L.DoString(`got = m:get(` + tc.get + `)`); err != nil {
			t.Fatal(err)
		}
		if got := L.GetGlobal("got").String(); got != tc.count {
			t.Errorf("%s: count under the first key = %s, want %s", tc.key, got, tc.count)
		}
		L.Close()
	}
}

// TestKeyTextStack: a stack key rebuilt by a replay prints as a live
// kernel map's stack key does, one frame per line indented by four.
func TestKeyTextStack(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	st := stack.New(L, &stack.Symbols{}, []uint64{0x1234, 0x5678}, true, 1)
	if got, want := KeyText(st), "\n    0x1234\n    0x5678\n"; got != want {
		t.Errorf("KeyText(stack) = %q, want %q", got, want)
	}
	if got := KeyText(lua.LString("0x10")); got != "16" {
		t.Errorf(`KeyText("0x10") = %q, want "16"`, got)
	}
}
