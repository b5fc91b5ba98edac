package luaapi

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestProbeOptions: probe()'s options are checked before anything
// attaches (no privileges needed), and an unknown one is answered with the
// list of known ones, in order.
func TestProbeOptions(t *testing.T) {
	if !slices.IsSorted(probeOptions) {
		t.Errorf("probeOptions %v are not in order", probeOptions)
	}
	tests := []struct{ code, err string }{
		{`return {pid = 1, comm = "sh", on_error = "exit", optional = true, entry = false, filter = "retval > 0"}`, ""},
		{`return {pdi = 1}`, `unknown option "pdi" (known: comm, entry, fields, filter, into, on_error, optional, pid, stamp, task)`},
		{`return {stack = true}`, "there is no option stack"},
		{`return {pid = -1}`, "option pid must be a process id, got -1"},
		{`return {comm = "a_name_longer_than_15"}`, "option comm must be a command name of 1 to 15 characters"},
		{`return {on_error = "stop"}`, `option on_error must be "continue" or "exit", got stop`},
		{`return {optional = "no"}`, "option optional must be true or false, got string"},
		{`return {filter = ""}`, `option filter must be an expression string such as "retval > 0", got ""`},
		{`return {filter = 5}`, `option filter must be an expression string such as "retval > 0", got 5`},
		{`return {fields = {[""] = "args.dfd"}}`, `field names must be Lua names, got ""`},
		{`return {fields = {["a b"] = "args.dfd"}}`, `field names must be Lua names, got "a b"`},
		{`return {stamp = "queued[tid]"}`, ""},
		{`return {task = "args.next_pid"}`, ""},
		{`return {task = "next_pid"}`, `option task must name the tracepoint field holding the thread the event is about, such as "args.next_pid"`},
		{`return {task = 1}`, "option task must name the tracepoint field"},
		{`return {stamp = 1}`, "option stamp must be a stamp table and key"},
		{`return {stamp = {"away[args.prev_pid]", "kstack", "comm", who = "pid"}}`, ""},
		{`return {stamp = {"away[tid]", "comm", comm = "comm"}}`, "stamp away[tid] saves comm twice"},
		{`return {stamp = {"away[tid]", "not a name"}}`, `a saved part is a name such as "kstack"`},
		{`return {stamp = {kstack = "kstack"}}`, "option stamp must be a stamp table and key"},
		{`return {[1] = true}`, "option keys must be names, got number"},
	}
	for _, tc := range tests {
		L := lua.NewState()
		if err := L.DoString(tc.code); err != nil {
			t.Fatal(err)
		}
		_, err := parseProbeOptions(L.CheckTable(-1))
		L.Close()
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.code, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want %q", tc.code, err, tc.err)
		}
	}
}

// TestProbeHandleChecksItsReceiver: a probe method called on anything
// else says what it expected and what it got.
func TestProbeHandleChecksItsReceiver(t *testing.T) {
	r := New(Options{Out: &bytes.Buffer{}, Stderr: &bytes.Buffer{}})
	defer r.L.Close()
	err := r.L.DoString(`local p = probe("BEGIN", function() end) p.stats(5)`)
	if err == nil || !strings.Contains(err.Error(), "bad argument #1 to stats (probe handle expected, got number)") {
		t.Errorf("p.stats(5): %v", err)
	}
}

// TestStampSavesInNameOrder: the parts a stamp saves are laid out by
// name, so probes listing them in another order save them alike.
func TestStampSavesInNameOrder(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	if err := L.DoString(`return {"away[tid]", "pid", "kstack", c = "comm"}, {"away[tid]", "kstack", c = "comm", "pid"}`); err != nil {
		t.Fatal(err)
	}
	ref1, a, err1 := parseStamp(L.Get(-2))
	ref2, b, err2 := parseStamp(L.Get(-1))
	if err1 != nil || err2 != nil || ref1 != "away[tid]" || ref2 != ref1 {
		t.Fatalf("%q %v, %q %v", ref1, err1, ref2, err2)
	}
	if !slices.Equal(a, b) || len(a) != 3 || a[0].Name != "c" || a[0].Expr != "comm" || a[1].Name != "kstack" || a[2].Name != "pid" {
		t.Errorf("saved %v and %v, want c=comm, kstack, pid in both", a, b)
	}
}
