package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/luatrace/luatrace/scripts"
)

// loadScript reads the script to run: a file, or else, for a name without
// ".lua" that is no file, the embedded tool of that name (tool is true).
func loadScript(name string) (code string, tool bool, err error) {
	b, err := os.ReadFile(name)
	if err == nil {
		return string(b), false, nil
	}
	if errors.Is(err, fs.ErrNotExist) && !strings.HasSuffix(name, ".lua") {
		if src, ok := scripts.Source(name); ok {
			return string(src), true, nil
		}
		return "", false, fmt.Errorf("%s is neither a script file nor a tool of luatrace (see luatrace --list-tools)", name)
	}
	return "", false, fmt.Errorf("cannot read script %s: %v", name, errors.Unwrap(err))
}

// listTools prints each embedded tool with its one-line summary.
func listTools(w io.Writer) {
	for _, t := range scripts.Tools() {
		fmt.Fprintf(w, "%-16s %s\n", t.Name, t.Summary)
	}
}
