package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/luatrace/luatrace/luaapi/modpath"
	"github.com/luatrace/luatrace/stdlib"
)

// scriptOf is the script named first in args, if any.
func scriptOf(args []string) string {
	if len(args) == 0 || !strings.HasSuffix(args[0], ".lua") {
		return ""
	}
	return args[0]
}

// printSearchPath shows where require() looks, in order: one folder per
// line with why it is searched, "missing" for folders that do not exist,
// "not searched" and why for folders others could plant modules in, and
// the embedded standard library before the script's own folder.
func printSearchPath(w io.Writer, include []string, script string) {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	embedded := false
	for _, d := range modpath.FromEnvironment(include, script).Dirs() {
		if d.AfterStdlib && !embedded {
			printEmbedded(tw)
			embedded = true
		}
		note := d.Origin
		if st, err := os.Stat(d.Path); err != nil || !st.IsDir() {
			note += ", missing"
		} else if d.Unsafe != "" {
			note += ", not searched: " + d.Unsafe
		}
		fmt.Fprintf(tw, "%s\t(%s)\n", d.Path, note)
	}
	if !embedded {
		printEmbedded(tw)
	}
	tw.Flush()
}

func printEmbedded(w io.Writer) {
	fmt.Fprintf(w, "[embedded]\t(standard library: %s)\n", strings.Join(stdlib.Modules(), " "))
}
