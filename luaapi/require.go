package luaapi

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/modpath"
	"github.com/luatrace/luatrace/stdlib"
)

// installRequire makes require() search luatrace's library path (see
// package modpath) and then the modules embedded in the binary. Lua's own
// package.path loader is replaced: the current directory and the system
// Lua folders are not luatrace libraries. package.preload still comes
// first. Chunk names are the files' real paths, so errors and tracebacks
// point at the library's file and line.
func (r *Runtime) installRequire() {
	script := ""
	if r.opts.ScriptDir != "" {
		script = filepath.Join(r.opts.ScriptDir, filepath.Base(r.opts.ScriptName))
	}
	r.libDirs = modpath.FromEnvironment(r.opts.Include, script).Dirs()
	pkg, ok := r.L.GetGlobal("package").(*lua.LTable)
	if !ok {
		return
	}
	loaders, ok := r.L.GetField(pkg, "loaders").(*lua.LTable)
	if !ok {
		return
	}
	patterns := make([]string, 0, 2*len(r.libDirs))
	for _, d := range r.libDirs {
		patterns = append(patterns, d.Path+"/?.lua", d.Path+"/?/init.lua")
	}
	r.L.SetField(pkg, "path", lua.LString(strings.Join(patterns, ";")))
	// Index 2 is gopher-lua's package.path loader; 1 is package.preload.
	loaders.RawSetInt(2, r.L.NewFunction(r.loadModule))
	for loaders.Len() > 2 {
		loaders.Remove(loaders.Len())
	}
}

// loadModule is the package loader: the first folder of the search path
// that has the module wins, then the embedded standard library, then the
// script's own folder. Folders others could plant files in are skipped and
// named when they held the module. A module found nowhere raises one
// sentence (require's own message would list every folder tried).
func (r *Runtime) loadModule(L *lua.LState) int {
	name := L.CheckString(1)
	if !modpath.ValidName(name) {
		L.RaiseError("require(%q): a module name is dotted words such as \"net\" or \"mylib.tcp\", not a path", name)
	}
	path, refused := modpath.Search(r.libDirs, name, false)
	if path == "" {
		if src, ok := stdlib.Source(name); ok {
			r.warnRefused(name, refused)
			L.Push(r.loadChunk(L, stdlib.ChunkName(name), src))
			return 1
		}
		var later []string
		path, later = modpath.Search(r.libDirs, name, true)
		refused = append(refused, later...)
	}
	if path == "" {
		why := ""
		if len(refused) > 0 {
			why = " (" + strings.Join(refused, "; ") + ")"
		}
		L.RaiseError("module %q not found in the library path or the standard library%s (luatrace --path lists the folders); add its folder with -I DIR or $%s", name, why, modpath.EnvVar)
	}
	r.warnRefused(name, refused)
	code, err := os.ReadFile(path)
	if err != nil {
		L.RaiseError("require(%q): cannot read %s: %v", name, path, err)
	}
	L.Push(r.loadChunk(L, path, code))
	return 1
}

// warnRefused says which files were passed over for safety when a module
// was found elsewhere.
func (r *Runtime) warnRefused(name string, refused []string) {
	for _, why := range refused {
		fmt.Fprintf(r.stderr, "luatrace: warning: require(%q): %s\n", name, why)
	}
}

// loadChunk compiles a library, raising "file:line:col: message" on a
// syntax error.
func (r *Runtime) loadChunk(L *lua.LState, chunk string, code []byte) *lua.LFunction {
	fn, err := L.Load(bytes.NewReader(code), chunk)
	if err != nil {
		L.RaiseError("%s", syntaxMessage(chunk, string(code), err))
	}
	return fn
}
