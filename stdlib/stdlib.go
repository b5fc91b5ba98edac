// Package stdlib holds the Lua modules shipped inside the luatrace binary.
// Scripts load them with require("NAME"); files found on disk earlier in
// the search path take precedence.
package stdlib

import (
	"embed"
	"io/fs"
	"strings"
)

//go:embed *.lua
var files embed.FS

// Source returns the Lua source of module name ("top" for top.lua).
// Dotted names map to directories as in Lua ("net.ip" → net/ip.lua).
func Source(name string) ([]byte, bool) {
	b, err := files.ReadFile(strings.ReplaceAll(name, ".", "/") + ".lua")
	return b, err == nil
}

// Modules lists the embedded module names.
func Modules() []string {
	var names []string
	fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".lua") {
			names = append(names, strings.ReplaceAll(strings.TrimSuffix(p, ".lua"), "/", "."))
		}
		return nil
	})
	return names
}

// ChunkName is the name errors and tracebacks give module name's code.
func ChunkName(name string) string {
	return "stdlib/" + strings.ReplaceAll(name, ".", "/") + ".lua"
}
