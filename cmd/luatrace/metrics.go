package main

import (
	"github.com/luatrace/luatrace/bpf/metrics"
	"github.com/luatrace/luatrace/luaapi"
)

// metricsConfig is --metrics ADDR and --metrics-remote.
type metricsConfig struct {
	addr   string
	remote bool
}

// serveMetrics starts the --metrics endpoint of rt.
func serveMetrics(mc metricsConfig, rt *luaapi.Runtime) (*metrics.Server, error) {
	ln, err := metrics.Listen(mc.addr, mc.remote)
	if err != nil {
		return nil, err
	}
	return metrics.Serve(ln, rt.Metrics()...), nil
}
