// Package stacks is the luatrace.stacks module, the Go half of
// stdlib/stacks.lua: it turns counted stacks (a folded stack and its
// value, as the profiling tools collect them) into a pprof profile or a
// self-contained flame graph SVG.
package stacks
