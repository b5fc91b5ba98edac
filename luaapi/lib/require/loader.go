// Package require is luatrace's require(): modules come from the library
// path (package modpath) and the standard library embedded in the binary.
package require

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/diag"
	"github.com/luatrace/luatrace/luaapi/modpath"
	"github.com/luatrace/luatrace/stdlib"
)

// loader finds modules in dirs, then in the standard library; warnings
// about files passed over go to warn.
type loader struct {
	dirs []modpath.Dir
	warn io.Writer
}

// Open makes require() search luatrace's library path (see
// package modpath) and then the modules embedded in the binary. Lua's own
// package.path loader is replaced: the current directory and the system
// Lua folders are not luatrace libraries. package.preload still comes
// first. Chunk names are the files' real paths, so errors and tracebacks
// point at the library's file and line.
//
// dirs is the search order (modpath.Path.Dirs); warnings about files
// passed over for safety go to warn.
func Open(L *lua.LState, dirs []modpath.Dir, warn io.Writer) {
	r := &loader{dirs: dirs, warn: warn}
	pkg, ok := L.GetGlobal("package").(*lua.LTable)
	if !ok {
		return
	}
	loaders, ok := L.GetField(pkg, "loaders").(*lua.LTable)
	if !ok {
		return
	}
	patterns := make([]string, 0, 2*len(dirs))
	for _, d := range dirs {
		patterns = append(patterns, d.Path+"/?.lua", d.Path+"/?/init.lua")
	}
	L.SetField(pkg, "path", lua.LString(strings.Join(patterns, ";")))
	// Index 2 is gopher-lua's package.path loader; 1 is package.preload.
	loaders.RawSetInt(2, L.NewFunction(r.loadModule))
	for loaders.Len() > 2 {
		loaders.Remove(loaders.Len())
	}
}

// loadModule is the package loader: the first folder of the search path
// that has the module wins, then the embedded standard library, then the
// script's own folder. Folders others could plant files in are skipped and
// named when they held the module. A module found nowhere raises one
// sentence (require's own message would list every folder tried).
func (r *loader) loadModule(L *lua.LState) int {
	name := L.CheckString(1)
	if !modpath.ValidName(name) {
		L.RaiseError("require(%q): a module name is dotted words such as \"net\" or \"mylib.tcp\", not a path", name)
	}
	path, refused := modpath.Search(r.dirs, name, false)
	if path == "" {
		if src, ok := stdlib.Source(name); ok {
			r.warnRefused(name, refused)
			L.Push(r.loadChunk(L, stdlib.ChunkName(name), src))
			return 1
		}
		var later []string
		path, later = modpath.Search(r.dirs, name, true)
		refused = append(refused, later...)
	}
	if path == "" {
		why := ""
		if len(refused) > 0 {
			why = " (" + strings.Join(refused, "; ") + ")"
		}
		diag.Raise(L, &diag.Error{
			Msg:  fmt.Sprintf("module %q not found in the library path or the standard library%s (luatrace --path lists the folders)", name, why),
			Hint: "add its folder with -I DIR or $" + modpath.EnvVar,
			Kind: diag.ErrScript,
		})
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
func (r *loader) warnRefused(name string, refused []string) {
	for _, why := range refused {
		fmt.Fprintf(r.warn, "luatrace: warning: require(%q): %s\n", name, why)
	}
}

// loadChunk compiles a library, raising "file:line:col: message" on a
// syntax error.
func (r *loader) loadChunk(L *lua.LState, chunk string, code []byte) *lua.LFunction {
	fn, err := L.Load(bytes.NewReader(code), chunk)
	if err != nil {
		L.RaiseError("%s", diag.Syntax(chunk, string(code), err))
	}
	return fn
}
