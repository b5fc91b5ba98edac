package main

import (
	"github.com/luatrace/luatrace/bpf/metrics"
	"github.com/luatrace/luatrace/luaapi"
)

// serveMetrics starts the --metrics endpoint of rt.
func serveMetrics(addr string, remote bool, rt *luaapi.Runtime) (*metrics.Server, error) {
	ln, err := metrics.Listen(addr, remote)
	if err != nil {
		return nil, err
	}
	return metrics.Serve(ln, rt.Metrics()...), nil
}
