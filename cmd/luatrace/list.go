package main

import (
	"bufio"
	"fmt"
	"io"

	"github.com/luatrace/luatrace/bpf/probes"
	"github.com/luatrace/luatrace/bpf/tracefs"
	"github.com/luatrace/luatrace/luaapi"
)

// listProbes prints the probe points matching pattern, one spec per line,
// as bpftrace -l does (probes.Matcher.List says which), then the probe
// aliases libraries define that match it too. With detail each point's
// arguments follow it. It returns how many were printed.
func listProbes(w io.Writer, pattern string, include []string, detail bool) (int, error) {
	out := bufio.NewWriter(w)
	defer out.Flush()
	var m probes.Matcher
	names, err := m.List(pattern)
	if err != nil {
		return 0, err
	}
	for _, a := range luaapi.LibraryAliases(include) {
		if probes.ListMatches(pattern, a.Name) {
			names = append(names, a.Name)
		}
	}
	var dir string
	if detail {
		dir, _ = tracefs.Mount() // tracepoints' formats; List mounted it already
	}
	for _, name := range names {
		fmt.Fprintln(out, name)
		if detail {
			printDetail(out, dir, name)
		}
	}
	return len(names), nil
}
