package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/cilium/ebpf/btf"

	"github.com/luatrace/luatrace/bpf/capture"
	"github.com/luatrace/luatrace/bpf/kernelbtf"
	"github.com/luatrace/luatrace/bpf/tracefs"
)

// printDetail prints a probe point's arguments under it, indented, as
// bpftrace -lv does: a tracepoint's fields (args.NAME) from its format
// file, a kernel function's parameters from BTF.
func printDetail(out io.Writer, dir, spec string) {
	kind, name, _ := strings.Cut(spec, ":")
	switch kind {
	case "tracepoint":
		group, event, _ := strings.Cut(name, ":")
		f, err := tracefs.ReadFormat(dir, tracefs.Event{Group: group, Name: event})
		if err != nil {
			return
		}
		for _, fld := range f.Fields {
			if fld.Common {
				continue
			}
			fmt.Fprintf(out, "    %s %s\n", fld.Type, fld.Name)
		}
	case "kprobe":
		spec, err := kernelbtf.Kernel()
		if err != nil {
			return
		}
		var fn *btf.Func
		if spec.TypeByName(name, &fn) != nil {
			return
		}
		proto, ok := fn.Type.(*btf.FuncProto)
		if !ok {
			return
		}
		for _, p := range proto.Params {
			fmt.Fprintf(out, "    %s %s\n", capture.TypeName(p.Type), p.Name)
		}
		if _, void := proto.Return.(*btf.Void); !void && proto.Return != nil {
			fmt.Fprintf(out, "    %s retval\n", capture.TypeName(proto.Return))
		}
	}
}
