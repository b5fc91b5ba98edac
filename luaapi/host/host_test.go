package host

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/recording"
)

// A wrapped question (kernel.enum, kernel.config, ...) asked while
// recording is answered the same in a replay, without calling the
// machine: results of every kind, and a raised error.
func TestWrapReplaysAnswers(t *testing.T) {
	calls := 0
	question := func(L *lua.LState) int {
		calls++
		name := L.CheckString(1)
		if name == "missing" {
			L.RaiseError("kernel.enum: this kernel's BTF has no enum %s", name)
		}
		tbl := L.NewTable()
		tbl.RawSetInt(2, lua.LString("REASON_"+name))
		tbl.RawSetString("n", lua.LNumber(1.5))
		L.Push(tbl)
		L.Push(lua.LTrue)
		L.Push(lua.LNil)
		L.Push(lua.LString("x"))
		return 4
	}
	code := `local t, b, n, s = q("drop") local ok, err = pcall(q, "missing")
		return t[2] .. " " .. t.n .. " " .. tostring(b) .. " " .. tostring(n) .. " " .. s .. " " .. err`
	want := "REASON_drop 1.5 true nil x <string>:1: kernel.enum: this kernel's BTF has no enum missing"
	run := func(h *Host, code string) (string, error) {
		L := lua.NewState()
		defer L.Close()
		L.SetGlobal("q", L.NewFunction(h.Wrap("q", question)))
		if err := L.DoString(code); err != nil {
			return "", err
		}
		return lua.LVAsString(L.Get(-1)), nil
	}
	var answers []recording.Answer
	got, err := run(Recording(func(a recording.Answer) { answers = append(answers, a) }), code)
	if err != nil || !strings.HasSuffix(got, want) {
		t.Fatalf("recording: %q, %v; want it to end with %q", got, err, want)
	}
	play := Replaying("test.ltrec")
	for i := range answers {
		play.Learn(&answers[i])
	}
	calls = 0
	if got, err := run(play, code); err != nil || !strings.HasSuffix(got, want) || calls != 0 {
		t.Errorf("replay: %q, %v, %d calls; want %q and no call", got, err, calls, want)
	}
	if _, err := run(play, `return q("other")`); err == nil || !strings.Contains(err.Error(), `q ["other"] was not recorded in test.ltrec`) {
		t.Errorf("unrecorded question: %v", err)
	}
	if got, err := run(&Host{}, `return (q("live"))[2]`); err != nil || got != "REASON_live" {
		t.Errorf("live: %q, %v", got, err)
	}
}
