package collector

// The generated loader and object are committed so that building luatrace
// needs no clang; `make generate` rebuilds them and CI fails on drift.
//
// Every type and enum collector.h shares with Go is listed with -type, so
// the Go side of the layout is generated, never copied (layout_test.go
// checks it against the object's BTF).
//go:generate go tool bpf2go -tags linux -target amd64 -cflags "-O2 -mcpu=v3 -g -Wall -Werror -I/usr/include/x86_64-linux-gnu" -type lt_header -type lt_field_header -type lt_spec -type lt_fetch -type lt_clause -type lt_calc -type lt_agg -type lt_key_part -type lt_agg_value -type lt_agg_cached -type lt_agg_counts -type lt_stats -type lt_mem_buf -type lt_probe_limits -type lt_fetch_limits -type lt_fetch_source -type lt_op -type lt_field_status -type lt_operand -type lt_filter_limits -type lt_cmp -type lt_clause_flags -type lt_calc_limits -type lt_op_code -type lt_opf -type lt_agg_limits -type lt_stack_key -type lt_key_kind -type lt_agg_kind -type lt_spec_flags -type lt_mem_limits -type lt_follow_limits -type lt_stamp_limits -type lt_usample_limits -type lt_seen_limits -type lt_stamp_counts collector collector.bpf.c -- -I.

// The small tracepoint programs are an object of their own (plain.bpf.c):
// they share the collector's headers, maps and Go types.
//go:generate go tool bpf2go -tags linux -target amd64 -no-global-types -cflags "-O2 -mcpu=v3 -g -Wall -Werror -I/usr/include/x86_64-linux-gnu" plain plain.bpf.c -- -I.
