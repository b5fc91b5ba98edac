package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/luatrace/luatrace/luaapi/diag"
	"github.com/luatrace/luatrace/luaapi/output"
	"github.com/luatrace/luatrace/scripts"
)

// FixtureExt ends a recorded fixture's file name.
const FixtureExt = ".ltrec"

const testUsage = `usage: luatrace test [-update] [-I DIR] [DIR|FIXTURE.ltrec ...]
Replays each fixture NAME.ltrec (in the folders given, default scripts/testdata) with
NAME.lua from the same folder, else the tool NAME, else the recorded script, and the
recorded arguments, and compares the output with NAME.out. No privileges are needed;
recorded wall-clock times print in UTC.
  -update   write NAME.out from the replay instead of comparing
`

// runTests implements luatrace test: a library's tests against recorded
// fixtures (the convention is in testUsage and the README).
func runTests(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("luatrace test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	update := fs.Bool("update", false, "")
	var include stringList
	fs.Var(&include, "I", "")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stderr, testUsage)
			return diag.StatusOK
		}
		return fail(stderr, flagError(err))
	}
	// Fixtures print recorded wall-clock times: in UTC, so that they
	// compare the same in every time zone.
	time.Local = time.UTC
	paths := fs.Args()
	if len(paths) == 0 {
		paths = []string{"scripts/testdata"}
	}
	fixtures, err := findFixtures(paths)
	if err != nil {
		return fail(stderr, badInput(err))
	}
	if len(fixtures) == 0 {
		return fail(stderr, usageError(fmt.Sprintf("no %s fixtures in %s", FixtureExt, strings.Join(paths, ", "))))
	}
	failed := 0
	for _, fx := range fixtures {
		if ok := runFixture(fx, *update, include, stdout); !ok {
			failed++
		}
	}
	fmt.Fprintf(stdout, "%d of %d fixtures passed\n", len(fixtures)-failed, len(fixtures))
	if failed > 0 {
		return diag.StatusError
	}
	return diag.StatusOK
}

func findFixtures(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("cannot read fixtures %s: %w", p, err)
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		m, _ := filepath.Glob(filepath.Join(p, "*"+FixtureExt))
		out = append(out, m...)
	}
	sort.Strings(out)
	return out, nil
}

// fixtureScript is the script a fixture is replayed with: NAME.lua next
// to it, else the tool NAME; none means the recorded script.
func fixtureScript(fixture string) []string {
	base := strings.TrimSuffix(fixture, FixtureExt)
	if _, err := os.Stat(base + ".lua"); err == nil {
		return []string{base + ".lua"}
	}
	name := filepath.Base(base)
	if _, ok := scripts.Source(name); ok {
		return []string{name}
	}
	return nil
}

// runFixture replays one fixture and compares (or updates) its output.
func runFixture(fixture string, update bool, include []string, stdout io.Writer) bool {
	var out, errs bytes.Buffer
	script := fixtureScript(fixture)
	if script != nil {
		script = append(script, recordedArgs(fixture)...)
	}
	status := replayFile(replayRun{file: fixture, script: script, out: &out, stderr: &errs, mode: output.Text, include: include})
	want := strings.TrimSuffix(fixture, FixtureExt) + ".out"
	if status != diag.StatusOK {
		fmt.Fprintf(stdout, "FAIL %s: exit status %d\n%s", fixture, status, indent(errs.String()))
		return false
	}
	if update {
		if err := os.WriteFile(want, out.Bytes(), 0o644); err != nil {
			fmt.Fprintf(stdout, "FAIL %s: %v\n", fixture, err)
			return false
		}
		fmt.Fprintf(stdout, "updated %s\n", want)
		return true
	}
	expected, err := os.ReadFile(want)
	if err != nil {
		fmt.Fprintf(stdout, "FAIL %s: no expected output (%v); write it with luatrace test -update\n", fixture, err)
		return false
	}
	if !bytes.Equal(expected, out.Bytes()) {
		fmt.Fprintf(stdout, "FAIL %s: output differs from %s\n%s", fixture, want, firstDifference(string(expected), out.String()))
		return false
	}
	fmt.Fprintf(stdout, "ok   %s\n", fixture)
	return true
}

// recordedArgs are the arguments the fixture's script was recorded with.
func recordedArgs(fixture string) []string {
	series, err := openSeriesScript(fixture)
	if err != nil || series == nil {
		return nil
	}
	return series.Args
}

// firstDifference shows the first line where got departs from want.
func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("    line %d: want %q\n    line %d:  got %q\n", i+1, wl, i+1, gl)
		}
	}
	return ""
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	return "    " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n    ") + "\n"
}
