package main

import (
	"bufio"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/luatrace/luatrace/bpf/ksym"
	"github.com/luatrace/luatrace/bpf/probespec"
	"github.com/luatrace/luatrace/bpf/tracefs"
	"github.com/luatrace/luatrace/bpf/usym"
	"github.com/luatrace/luatrace/luaapi"
)

// listProbes prints the probe points matching pattern, one spec per line,
// as bpftrace -l does. Without a pattern it lists every tracepoint, raw
// tracepoint and kernel function, then the probe aliases libraries define. "uprobe:BINARY[:GLOB]" lists a binary's
// functions, "usdt:BINARY:*" its USDT probes. It returns how many were printed.
func listProbes(w io.Writer, pattern string, include []string, detail bool) (int, error) {
	out := bufio.NewWriter(w)
	defer out.Flush()
	if pattern == "" {
		pattern = "*"
	}
	if s, err := probespec.Parse(pattern); err == nil && (s.Kind == probespec.Uprobe || s.Kind == probespec.Uretprobe) {
		return listUprobes(out, s)
	}
	if s, err := probespec.Parse(pattern); err == nil && s.Kind == probespec.USDT {
		return listUSDT(out, s)
	}
	if kind, _, ok := strings.Cut(pattern, ":"); !ok || !strings.ContainsAny(kind, "*?[") {
		// A bare word lists every kind of probe point whose name contains it.
		if !ok && !strings.ContainsAny(pattern, "*?[") {
			pattern = "*" + pattern + "*"
		}
	}
	dir, err := tracefs.Mount()
	if err != nil {
		return 0, err
	}
	n := 0
	emit := func(spec string) {
		if ok, _ := path.Match(pattern, spec); ok {
			fmt.Fprintln(out, spec)
			n++
			if detail {
				printDetail(out, dir, spec)
			}
		}
	}
	events, err := tracefs.Events(dir)
	if err != nil {
		return 0, err
	}
	for _, ev := range events {
		emit("tracepoint:" + ev.String())
	}
	seen := map[string]bool{}
	for _, ev := range events {
		if !seen[ev.Name] {
			seen[ev.Name] = true
			emit("rawtracepoint:" + ev.Name)
		}
	}
	// Listing kernel functions is best effort: tracepoints alone are useful.
	if fns, err := ksym.Functions(dir); err == nil {
		for _, fn := range fns {
			emit("kprobe:" + fn.Name)
		}
	}
	for _, a := range luaapi.LibraryAliases(include) {
		emit(a.Name)
	}
	return n, nil
}

func listUprobes(out io.Writer, s probespec.Spec) (int, error) {
	bin, err := usym.ResolveBinary(s.Path, 0)
	if err != nil {
		return 0, err
	}
	glob := s.Func
	if glob == "" {
		glob = "*"
	}
	syms, err := usym.MatchFuncs(bin, glob)
	if err != nil {
		return 0, err
	}
	for _, sym := range syms {
		fmt.Fprintf(out, "%s:%s:%s\n", s.Kind, bin, sym.Name)
	}
	return len(syms), nil
}
