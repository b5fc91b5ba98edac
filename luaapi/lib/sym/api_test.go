package sym

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/ksym"
	"github.com/luatrace/luatrace/bpf/recording"
	"github.com/luatrace/luatrace/luaapi/host"
	"github.com/luatrace/luatrace/luaapi/internal/luatest"
	"github.com/luatrace/luatrace/luaapi/stack"
	"github.com/luatrace/luatrace/test/testenv"
)

func luaResult(t *testing.T, code string) (string, error) {
	t.Helper()
	return luatest.Result(t, func(L *lua.LState) { Preload(L, &stack.Symbols{}, &host.Host{}) }, code)
}

// ksym resolves an address from /proc/kallsyms back to its symbol; the
// addresses are only visible to root.
func TestKsym(t *testing.T) {
	testenv.RequireRoot(t)
	addr := testenv.KallsymsAddr(t, "vfs_read")
	got, err := luaResult(t, `local s, off = ksym("`+addr+`") return s .. "+" .. off`)
	if err != nil || got != "vfs_read+0" {
		t.Errorf("ksym(%s) = %q, %v; want vfs_read+0", addr, got, err)
	}
	if got, _ := luaResult(t, `return (ksym(1))`); got != "0x1" {
		t.Errorf("ksym(1) = %q, want the address itself", got)
	}
}

// A replay answers ksym and kaddr as the recording machine's kernel did,
// whatever this machine's symbols are, and refuses a lookup the recording
// lacks.
func TestKernelLookupsReplayed(t *testing.T) {
	recorded := &stack.Symbols{}
	recorded.UseKernel(ksym.NewTable([]ksym.Symbol{{Addr: 0x1000, Name: "kfree_skb_reason", Type: 'T'}, {Addr: 0x2000, Name: "schedule", Type: 'T'}}))
	code := `local s, off = ksym(0x1010) return s .. "+" .. off .. " " .. tostring(kaddr("schedule")) .. " " .. ksym(0x10)`
	want := "kfree_skb_reason+16 8192 0x10"
	var answers []recording.Answer
	rec := host.Recording(func(a recording.Answer) { answers = append(answers, a) })
	if got, err := luatest.Result(t, func(L *lua.LState) { Preload(L, recorded, rec) }, code); err != nil || got != want {
		t.Fatalf("recording: %q, %v; want %q", got, err, want)
	}
	play := host.Replaying("test.ltrec")
	for i := range answers {
		play.Learn(&answers[i])
	}
	here := &stack.Symbols{}
	here.UseKernel(ksym.NewTable([]ksym.Symbol{{Addr: 0x1000, Name: "this_machines_symbol", Type: 'T'}}))
	open := func(L *lua.LState) { Preload(L, here, play) }
	if got, err := luatest.Result(t, open, code); err != nil || got != want {
		t.Errorf("replay: %q, %v; want %q", got, err, want)
	}
	if _, err := luatest.Result(t, open, `return ksym(0x2000)`); err == nil || !strings.Contains(err.Error(), "ksym 0x2000 was not recorded in test.ltrec") {
		t.Errorf("unrecorded lookup: %v, want an error naming it", err)
	}
}
