package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/luatrace/luatrace/luaapi/modpath"
	"github.com/luatrace/luatrace/stdlib"
)

// scriptDirOf is the folder of the script named first in args, if any.
func scriptDirOf(args []string) string {
	if len(args) == 0 || !strings.HasSuffix(args[0], ".lua") {
		return ""
	}
	return filepath.Dir(args[0])
}

// printSearchPath shows where require() looks, in order: one folder per
// line with why it is searched, "missing" for folders that do not exist,
// then the embedded standard library.
func printSearchPath(w io.Writer, include []string, scriptDir string) {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, d := range modpath.FromEnvironment(include, scriptDir).Dirs() {
		note := d.Origin
		if st, err := os.Stat(d.Path); err != nil || !st.IsDir() {
			note += ", missing"
		}
		fmt.Fprintf(tw, "%s\t(%s)\n", d.Path, note)
	}
	fmt.Fprintf(tw, "[embedded]\t(standard library: %s)\n", strings.Join(stdlib.Modules(), " "))
	tw.Flush()
}
