package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func TestTextAndJSON(t *testing.T) {
	tests := []struct {
		mode  Mode
		write func(w *Writer)
		want  string
	}{
		{Text, func(w *Writer) { w.Printf([]byte("pid 42\n")); w.Print([]byte("a\tb\n")) }, "pid 42\na\tb\n"},
		{JSON, func(w *Writer) { w.Printf([]byte("pid 42\n")) }, `{"type": "printf", "data": "pid 42\n"}` + "\n"},
		{JSON, func(w *Writer) { w.Print([]byte("q\"\\\x01\xff é\n")) }, `{"type": "print", "data": "q\"\\\u0001\u00ff é\n"}` + "\n"},
		{JSON, func(w *Writer) { w.Record("stats", []byte(`{"@a": 3}`)) }, `{"type": "stats", "data": {"@a": 3}}` + "\n"},
		{Text, func(w *Writer) { w.Record("map", []byte("7")) }, "7\n"},
	}
	for _, tc := range tests {
		var out bytes.Buffer
		w := New(&out, tc.mode)
		tc.write(w)
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if out.String() != tc.want {
			t.Errorf("got %q\nwant %q", out.String(), tc.want)
		}
		if tc.mode == JSON {
			checkJSONLines(t, out.String())
		}
	}
}

func TestEmit(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	if err := L.DoString(`
		r1 = {pid = 7, comm = "sh", path = "/etc/my file", ok = true, list = {1, 2, 3}, obj = {b = 2, a = "x"}}
		r2 = {pid = 12345, comm = "bash", path = "", ok = false, list = {}, obj = {n = 1.5}}`); err != nil {
		t.Fatal(err)
	}
	records := []*lua.LTable{L.GetGlobal("r1").(*lua.LTable), L.GetGlobal("r2").(*lua.LTable)}

	var text bytes.Buffer
	w := New(&text, Text)
	for _, r := range records {
		w.Emit(FieldsFromTable(L, r))
	}
	w.Flush()
	// Streaming alignment: each pair is padded to the widest value its key
	// has had so far, so columns settle after the first wide record.
	wantText := `comm=sh list=[1, 2, 3] obj={"a": "x", "b": 2} ok=true path="/etc/my file" pid=7
comm=bash list={}        obj={"n": 1.5}         ok=false path=""             pid=12345
`
	if text.String() != wantText {
		t.Errorf("text:\n%s\nwant:\n%s", text.String(), wantText)
	}

	var js bytes.Buffer
	w = New(&js, JSON)
	w.Emit(FieldsFromTable(L, records[0]))
	w.Flush()
	want := `{"type": "emit", "data": {"comm": "sh", "list": [1, 2, 3], "obj": {"a": "x", "b": 2}, "ok": true, "path": "/etc/my file", "pid": 7}}` + "\n"
	if js.String() != want {
		t.Errorf("json:\n%s\nwant:\n%s", js.String(), want)
	}
	checkJSONLines(t, js.String())
}

func TestEmitEdgeValues(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	if err := L.DoString(`deep = {}; local t = deep; for i = 1, 20 do t.x = {}; t = t.x end; t.x = deep`); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w := New(&out, JSON)
	w.Emit([]Field{{"inf", lua.LNumber(1 / zero)}, {"big", lua.LNumber(1e300)}, {"nil", lua.LNil}, {"deep", L.GetGlobal("deep")}})
	w.Flush()
	checkJSONLines(t, out.String())
	if !strings.Contains(out.String(), `"inf": null, "big": 1e+300, "nil": null`) || !strings.Contains(out.String(), `"<table>"`) {
		t.Errorf("got %s", out.String())
	}
}

var zero = 0.0

// A Field built in Go may leave Value unset; it reads as nil.
func TestEmitUnsetValue(t *testing.T) {
	tests := []struct {
		mode Mode
		want string
	}{
		{Text, "a=nil b=1\n"},
		{JSON, `{"type": "emit", "data": {"a": null, "b": 1}}` + "\n"},
	}
	for _, tc := range tests {
		var out bytes.Buffer
		w := New(&out, tc.mode)
		w.Emit([]Field{{Key: "a"}, {Key: "b", Value: lua.LNumber(1)}})
		if err := w.Flush(); err != nil || out.String() != tc.want {
			t.Errorf("mode %d: got %q, %v; want %q", tc.mode, out.String(), err, tc.want)
		}
	}
}

func ExampleWriter_Emit() {
	w := New(os.Stdout, Text)
	w.Emit([]Field{{"pid", lua.LNumber(7)}, {"comm", lua.LString("sh")}, {"file", lua.LString("/tmp/a b")}})
	w.Emit([]Field{{"pid", lua.LNumber(12345)}, {"comm", lua.LString("bash")}, {"file", lua.LString("/etc")}})
	w.Emit([]Field{{"pid", lua.LNumber(9)}, {"comm", lua.LString("sh")}, {"file", lua.LString("/")}})
	w.Flush()
	w = New(os.Stdout, JSON)
	w.Printf([]byte("open \"/etc\"\n"))
	w.Emit([]Field{{"pid", lua.LNumber(7)}, {"addr", lua.LString("0xffffffff81000000")}})
	w.Flush()
	// Output:
	// pid=7 comm=sh file="/tmp/a b"
	// pid=12345 comm=bash file=/etc
	// pid=9     comm=sh   file=/
	// {"type": "printf", "data": "open \"/etc\"\n"}
	// {"type": "emit", "data": {"pid": 7, "addr": "0xffffffff81000000"}}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestFlushReportsWriteError(t *testing.T) {
	w := New(failingWriter{}, Text)
	w.Printf([]byte("x"))
	if err := w.Flush(); err == nil || err.Error() != "disk full" {
		t.Errorf("Flush() = %v", err)
	}
	w.Printf([]byte("y")) // later writes are dropped, the error stays
	if err := w.Flush(); err == nil {
		t.Error("error forgotten")
	}
}

func checkJSONLines(t *testing.T, s string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		var rec struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Type == "" {
			t.Errorf("not a JSON record: %q (%v)", line, err)
		}
	}
}
