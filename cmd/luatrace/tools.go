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

// loadScript reads the script to run. A bare name (no "/", no ".lua")
// that names an embedded tool runs the tool (tool is true), as a command
// name runs a program: ./NAME runs a file of that name instead.
func loadScript(name string) (code string, tool bool, err error) {
	if name == "" {
		return "", false, errors.New("the script's name is an empty string; give a script file or a tool of luatrace (see luatrace --list-tools)")
	}
	bare := !strings.Contains(name, "/") && !strings.HasSuffix(name, ".lua")
	if src, ok := scripts.Source(name); ok && bare {
		return string(src), true, nil
	}
	b, err := os.ReadFile(name)
	switch {
	case err == nil:
		return string(b), false, nil
	case errors.Is(err, fs.ErrNotExist) && bare:
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
