package sym

import (
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/internal/luatest"
	"github.com/luatrace/luatrace/luaapi/stack"
	"github.com/luatrace/luatrace/test/testenv"
)

func luaResult(t *testing.T, code string) (string, error) {
	t.Helper()
	return luatest.Result(t, func(L *lua.LState) { Preload(L, &stack.Symbols{}) }, code)
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
