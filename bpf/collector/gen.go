package collector

// The generated loader and object are committed so that building luatrace
// needs no clang; `make generate` rebuilds them and CI fails on drift.
//go:generate go tool bpf2go -tags linux -target amd64 -cflags "-O2 -mcpu=v3 -g -Wall -Werror -I/usr/include/x86_64-linux-gnu" collector collector.bpf.c -- -I.
