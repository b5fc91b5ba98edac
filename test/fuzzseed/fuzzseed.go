// Package fuzzseed gives fuzz targets real inputs to start from: the
// string literals of the shipped scripts, the standard library, the
// end-to-end tests and the README, which is where probe specs, capture
// expressions and filters are written.
package fuzzseed

import (
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// maxSeed drops literals longer than this: whole scripts and usage texts
// make poor seeds for a parser of one line.
const maxSeed = 300

// repoRoot is two levels above this package.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// sources are the files, relative to the repository root, whose literals
// seed the targets.
var sources = []string{
	"scripts/*.lua", "scripts/*/*.lua", "stdlib/*.lua", "stdlib/*/*.lua",
	"test/e2e/*_test.go", "README.md", "docs/*.md",
}

// Strings returns the distinct string literals of the sources, in a
// stable order: "double-quoted" and 'single-quoted' ones unescaped, Lua
// [[long strings]] as written.
func Strings(tb testing.TB) []string {
	tb.Helper()
	seen := map[string]bool{}
	for _, pattern := range sources {
		files, err := filepath.Glob(filepath.Join(repoRoot(), pattern))
		if err != nil {
			tb.Fatal(err)
		}
		for _, file := range files {
			text, err := os.ReadFile(file)
			if err != nil {
				tb.Fatal(err)
			}
			for _, s := range literals(string(text)) {
				seen[s] = true
			}
		}
	}
	if len(seen) == 0 {
		tb.Fatalf("no string literals found under %s", repoRoot())
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// literals scans text for quoted strings. It is a scanner, not a Lua
// lexer: comments and Go raw strings are read as text, which only adds
// seeds.
func literals(text string) []string {
	var out []string
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(text) && text[j] != c && text[j] != '\n' {
				if text[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(text) || text[j] != c {
				continue
			}
			raw := text[i+1 : j]
			if s, err := strconv.Unquote(`"` + raw + `"`); err == nil && c == '"' {
				raw = s
			}
			out = appendSeed(out, raw)
			i = j
		case c == '[' && i+1 < len(text) && text[i+1] == '[':
			n := strings.Index(text[i+2:], "]]")
			if n < 0 {
				continue
			}
			out = appendSeed(out, text[i+2:i+2+n])
			i += n + 3
		}
	}
	return out
}

func appendSeed(out []string, s string) []string {
	if s == "" || len(s) > maxSeed {
		return out
	}
	return append(out, s)
}
