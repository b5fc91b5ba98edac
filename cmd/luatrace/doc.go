package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/luatrace/luatrace/luaapi/diag"
	"github.com/luatrace/luatrace/luaapi/modpath"
	"github.com/luatrace/luatrace/stdlib"
)

// printDoc implements "luatrace doc [MODULE]": the module's "---"
// documentation, from the first folder of the library path that has it,
// else the embedded standard library. Without a module it lists the
// embedded modules with their one-line summaries.
func printDoc(w, stderr io.Writer, include []string, args []string) int {
	if len(args) == 0 {
		for _, name := range stdlib.Modules() {
			src, _ := stdlib.Source(name)
			summary, _, _ := strings.Cut(stdlib.Doc(name, src), "\n")
			fmt.Fprintf(w, "%-10s %s\n", name, strings.TrimPrefix(summary, name+": "))
		}
		return diag.StatusOK
	}
	if len(args) > 1 {
		return fail(stderr, usageError("doc takes one module name, e.g. luatrace doc fmt"))
	}
	name := args[0]
	src, where, err := moduleSource(name, include)
	if err != nil {
		return fail(stderr, badInput(err))
	}
	doc := stdlib.Doc(name, src)
	if doc == "" {
		return fail(stderr, &diag.Error{Msg: fmt.Sprintf("module %s (%s) has no --- documentation comments", name, where), Kind: diag.ErrRuntime})
	}
	fmt.Fprintf(w, "%s  (%s)\n\n%s", name, where, doc)
	return diag.StatusOK
}

// moduleSource finds a module as require() would and says where it was.
func moduleSource(name string, include []string) ([]byte, string, error) {
	if !modpath.ValidName(name) {
		return nil, "", fmt.Errorf("%q is not a module name; give one such as fmt or net", name)
	}
	if path, _ := modpath.Search(modpath.FromEnvironment(include, "").Dirs(), name, false); path != "" {
		src, err := os.ReadFile(path)
		return src, path, err
	}
	if src, ok := stdlib.Source(name); ok {
		return src, "standard library", nil
	}
	return nil, "", fmt.Errorf("no module %q in the library path or the standard library (see luatrace --path and luatrace doc)", name)
}
