package maps

import (
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/capture"
	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/luaapi/aggtext"
)

// A replay has no kernel: the maps its probes name in opts.into are
// rebuilt from the recorded events instead, one Feed per event, with
// the aggregation the collector does (count adds 1; sum, min, max, avg,
// stats fold the value; hist and lhist count the value's bucket).

// Keys are the map's key expressions, in order.
func (m *Map) Keys() []string { return m.keys }

// Value is the map's value expression; "" for a count.
func (m *Map) Value() string { return m.value }

// KindName is the map's kind as map.KIND names it: count, sum, ..., lhist.
func (m *Map) KindName() string {
	for name, k := range aggtext.Kinds {
		if k == m.kind {
			return name
		}
	}
	return ""
}

// Linear are an lhist map's bounds.
func (m *Map) Linear() aggtext.Linear { return m.lin }

// MaxKeyString is the longest string part of a kernel map key: the
// collector's widest key string, less its terminating NUL.
const MaxKeyString = collector.MaxKeyBytes - 1

// Feed applies one replayed update: the key's parts as Lua values and as
// text (what the kernel key would decode to: RecordedKeyPart), and the
// value (1 for a count). Keys beyond the map's max are counted as lost,
// as the kernel counts them.
func (m *Map) Feed(key []lua.LValue, text []string, v int64) {
	if m.fed == nil {
		m.fed = map[string]*mapRow{}
	}
	id := strings.Join(text, "\x00")
	row := m.fed[id]
	if row == nil {
		if m.max > 0 && uint32(len(m.fed)) >= m.max {
			m.fedLost++
			return
		}
		row = &mapRow{key: key, text: text, buckets: map[uint64]int64{}}
		m.fed[id] = row
	}
	row.value.Add(v)
	switch m.kind {
	case aggtext.Hist:
		row.buckets[aggtext.Log2Bucket(v)]++
	case aggtext.LinearHist:
		row.buckets[aggtext.LinearBucket(v, m.lin)]++
	default:
		row.buckets[0]++
	}
}

// KeyText is the text of a key part as a map key shows it (decimal for
// numbers, the frames for stacks laid out as the kernel maps print them),
// so a replayed map prints as the live one did.
func KeyText(v lua.LValue) string {
	if isStack(v) {
		return keyStackText(v)
	}
	return keyText(v)
}

// RecordedKeyPart is a recorded value v (lv as a Lua value) as a kernel
// key part holds it, and its text: a string cut to the key's width, a
// buffer whole and shown as bpftrace shows buffers, anything else as
// KeyText shows it.
func RecordedKeyPart(v capture.Value, lv lua.LValue) (lua.LValue, string) {
	switch {
	case v.Kind == capture.Bytes:
		return lv, BufferText(v.B)
	case v.Kind == capture.String && len(v.B) > MaxKeyString:
		s := string(v.B[:MaxKeyString])
		return lua.LString(s), s
	}
	return lv, KeyText(lv)
}
