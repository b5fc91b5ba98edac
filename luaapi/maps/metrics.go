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
	parts  []int // the key parts that are labels (stacks are not)
}

// Stacks are no label: every distinct stack would be a time series of its
// own, without bound (Prometheus's guidance on label cardinality, and
// ebpf_exporter's practice, which exports no stacks), and naming one
// would symbolize it at each scrape. A map keyed by a stack is served
// summed over its stacks; a script that wants frames in a label keys on
// ksym() or usym() of one, whose values are bounded by the code.

// Publish makes the script's kernel maps, as they are now, what
// Collect serves (owner goroutine: names come from the Lua globals).
func (mod *Module) Publish(L *lua.LState) {
	var list []servedMap
	for _, m := range mod.maps {
		if m.km == nil {
			continue
		}
		s := servedMap{km: m.km, decode: m.decode, kind: m.kind}
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
		for i, d := range m.decode {
			if d.Kind == capture.KeyKernelStack || d.Kind == capture.KeyUserStack {
				continue // summed over (see servedMap)
			}
			name := m.keys[i]
			if m.labels != nil {
				name = m.labels[i]
			}
			s.parts = append(s.parts, i)
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

// labelValues decodes the key parts that are labels; probes names probe
// ids.
func (s servedMap) labelValues(key []byte, probes map[uint32]string) []string {
	out := make([]string, 0, len(s.parts))
	for _, i := range s.parts {
		d := s.decode[i]
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
		default:
			str, _, _ := strings.Cut(string(b), "\x00")
			out = append(out, metrics.LabelValue(str))
		}
	}
	return out
}
