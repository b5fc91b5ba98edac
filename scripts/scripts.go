// Package scripts holds the ready-to-run trace scripts (the tools
// collection), embedded in the binary so that "luatrace opensnoop" runs
// scripts/opensnoop.lua from anywhere.
package scripts

import (
	"embed"
	"io/fs"
	"slices"
	"strings"
)

//go:embed *.lua
var files embed.FS

// Source returns the Lua source of tool name ("opensnoop").
func Source(name string) ([]byte, bool) {
	if strings.ContainsAny(name, "/.") || name == "" {
		return nil, false
	}
	b, err := files.ReadFile(name + ".lua")
	return b, err == nil
}

// Tool is one embedded script and the summary from its header.
type Tool struct {
	Name, Summary string
}

// Tools lists the embedded scripts, sorted by name.
func Tools() []Tool {
	entries, _ := fs.ReadDir(files, ".")
	var tools []Tool
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".lua")
		if !ok {
			continue
		}
		src, _ := files.ReadFile(e.Name())
		tools = append(tools, Tool{Name: name, Summary: summary(name, string(src))})
	}
	slices.SortFunc(tools, func(a, b Tool) int { return strings.Compare(a.Name, b.Name) })
	return tools
}

// summary is the first paragraph of a script's header comment, after
// "NAME:", on one line.
func summary(name, src string) string {
	var words []string
	for _, line := range strings.Split(src, "\n") {
		text := strings.TrimSpace(strings.TrimLeft(line, "-"))
		if !strings.HasPrefix(line, "--") || text == "" {
			break
		}
		words = append(words, strings.Fields(text)...)
	}
	return strings.TrimSpace(strings.TrimPrefix(strings.Join(words, " "), name+":"))
}
