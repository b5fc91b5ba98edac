package luaapi

import (
	"io"
	"path/filepath"
	"slices"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/stdlib"
)

// LibraryAliases loads every module of the library path (the top-level
// .lua files of each folder) and of the embedded standard library, and
// returns the probe aliases they define, for luatrace -l. The modules run
// in a runtime whose probe() attaches nothing; a module that fails to
// load is skipped, since listing must not depend on every library being
// usable on this kernel.
func LibraryAliases(include []string) []AliasInfo {
	r := New(Options{Out: io.Discard, Stderr: io.Discard, Include: include})
	defer r.L.Close()
	r.L.SetGlobal("probe", r.L.NewFunction(func(L *lua.LState) int { return 0 }))
	var names []string
	for _, d := range r.libDirs {
		files, _ := filepath.Glob(filepath.Join(d.Path, "*.lua"))
		for _, f := range files {
			names = append(names, strings.TrimSuffix(filepath.Base(f), ".lua"))
		}
	}
	names = append(names, stdlib.Modules()...)
	slices.Sort(names)
	require := r.L.GetGlobal("require")
	for _, name := range slices.Compact(names) {
		r.L.Push(require)
		r.L.Push(lua.LString(name))
		r.L.PCall(1, 0, nil)
	}
	return r.Aliases()
}
