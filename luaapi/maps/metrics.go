package maps

import (
	"encoding/binary"
	"strconv"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/capture"
	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/metrics"
	"github.com/luatrace/luatrace/luaapi/aggtext"
	"github.com/luatrace/luatrace/luaapi/stack"
)

// MetricPrefix starts the Prometheus name of every map: luatrace_NAME.
const MetricPrefix = "luatrace"

// servedMaps are the kernel maps --metrics serves, as the owner goroutine
// last published them; Prometheus scrapes read them from the kernel on
// the HTTP server's goroutine, so they hold no Lua values.
type servedMaps struct {
	sync.Mutex
	maps []servedMap
	// probes names the probe ids of probe key parts, as they were at the
	// last Publish.
	probes map[uint32]string
}

// servedMap is one map's Prometheus description and its kernel map.
type servedMap struct {
	metric metrics.Metric
	km     *collector.AggMap
	decode []capture.KeyPart
	kind   aggtext.Kind
	kernel Kernel
	syms   *stack.Symbols
}

// A stack key part is a label whose value is the stack in the folded
// format (metrics.FoldStack: "main;work;lt_nap"), as ebpf_exporter's kstack
// decoder makes a label of a stack: one series per distinct stack, as
// many as the map holds at most (its max), symbolized at each scrape.

// Publish makes the script's kernel maps, as they are now, what
// Collect serves (owner goroutine: names come from the Lua globals).
func (mod *Module) Publish(L *lua.LState) {
	var list []servedMap
	for _, m := range mod.maps {
		if m.km == nil {
			continue
		}
		s := servedMap{km: m.km, decode: m.decode, kind: m.kind, kernel: m.kernel, syms: mod.syms}
		s.metric = metrics.Metric{Name: metrics.Name(MetricPrefix, strings.TrimPrefix(mod.mapName(L, m), "@")), Help: "luatrace map " + mod.mapName(L, m)}
		switch m.kind {
		case aggtext.Count, aggtext.Sum:
			s.metric.Kind = metrics.Counter
		case aggtext.Hist, aggtext.LinearHist:
			s.metric.Kind = metrics.Histogram
			s.metric.Buckets = metrics.Buckets{Linear: m.kind == aggtext.LinearHist, Min: m.lin.Min, Max: m.lin.Max, Step: m.lin.Step}
		default:
			s.metric.Kind = metrics.Gauge
		}
		for i := range m.decode {
			name := m.keys[i]
			if m.labels != nil {
				name = m.labels[i]
			}
			s.metric.Labels = append(s.metric.Labels, metrics.LabelName(name))
		}
		list = append(list, s)
	}
	var probes map[uint32]string
	if mod.ProbeNames != nil {
		probes = mod.ProbeNames()
	}
	mod.served.Lock()
	mod.served.maps, mod.served.probes = list, probes
	mod.served.Unlock()
}

// Collect reads the published maps from the kernel (metrics.Source).
func (mod *Module) Collect() ([]metrics.Metric, error) {
	mod.served.Lock()
	defer mod.served.Unlock()
	out := make([]metrics.Metric, 0, len(mod.served.maps))
	for _, s := range mod.served.maps {
		entries, err := s.km.Entries()
		if err != nil {
			return out, err
		}
		m := s.metric
		for _, e := range entries {
			bucket := binary.LittleEndian.Uint64(e.Key[len(e.Key)-8:])
			smp := metrics.Sample{LabelValues: s.labelValues(e.Key, mod.served.probes)}
			if s.metric.Kind == metrics.Histogram {
				smp.Counts = map[uint64]uint64{bucket: uint64(e.Value.Count)}
				smp.Sum = float64(e.Value.Sum)
			} else {
				smp.Value = float64(s.kind.Scalar(e.Value))
			}
			m.Samples = append(m.Samples, smp)
		}
		out = append(out, m)
	}
	return out, nil
}

// labelValues decodes the key parts, each a label; probes names probe
// ids.
func (s servedMap) labelValues(key []byte, probes map[uint32]string) []string {
	out := make([]string, 0, len(s.decode))
	for _, d := range s.decode {
		b := key[d.Offset : d.Offset+d.Width]
		switch d.Kind {
		case capture.KeyInt:
			out = append(out, strconv.FormatInt(int64(binary.LittleEndian.Uint64(b)), 10))
		case capture.KeyUint:
			out = append(out, strconv.FormatUint(binary.LittleEndian.Uint64(b), 10))
		case capture.KeyProbe:
			id := binary.LittleEndian.Uint32(b)
			name, ok := probes[id]
			if !ok {
				name = "probe " + strconv.FormatUint(uint64(id), 10)
			}
			out = append(out, metrics.LabelValue(name))
		case capture.KeyLiteral:
			out = append(out, metrics.LabelValue(d.Literal))
		case capture.KeyBuffer:
			out = append(out, metrics.LabelValue(BufferText(b)))
		case capture.KeyKernelStack, capture.KeyUserStack:
			id, pid := collector.StackKey(binary.LittleEndian.Uint64(b))
			addrs, err := s.kernel.Stack(id)
			if err != nil {
				addrs = nil // dropped from the kernel's stack map: an empty stack
			}
			out = append(out, metrics.FoldStack(stack.FrameNames(s.syms, addrs, d.Kind == capture.KeyUserStack, pid)))
		default:
			str, _, _ := strings.Cut(string(b), "\x00")
			out = append(out, metrics.LabelValue(str))
		}
	}
	return out
}
