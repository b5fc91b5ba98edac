package luaapi

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/metrics"
	"github.com/luatrace/luatrace/luaapi/maps"
)

// Metrics are what --metrics serves: the script's kernel maps, read from
// the kernel at each scrape, and the values it publishes with
// metrics.set. Call it before RunScript.
func (r *Runtime) Metrics() []metrics.Source {
	return []metrics.Source{r.maps, &r.published}
}

// publishMaps makes the maps made so far scrapeable; the runtime calls it
// once BEGIN has run and after each later attach.
func (r *Runtime) publishMaps() { r.maps.Publish(r.L) }

// installMetrics adds the metrics global: metrics.set(name, value
// [, labels [, help]]) publishes a gauge (luatrace_NAME) for --metrics.
func (r *Runtime) installMetrics() {
	t := r.L.NewTable()
	r.L.SetField(t, "set", r.L.NewFunction(func(L *lua.LState) int {
		name := L.CheckString(1)
		v := float64(L.CheckNumber(2))
		labels := map[string]string{}
		if lt, ok := L.Get(3).(*lua.LTable); ok {
			lt.ForEach(func(k, v lua.LValue) { labels[metrics.LabelName(k.String())] = v.String() })
		} else if L.Get(3) != lua.LNil {
			L.ArgError(3, "labels must be a table such as {comm = e.comm}")
		}
		help := L.OptString(4, "luatrace value "+name)
		if err := r.published.Set(metrics.Name(maps.MetricPrefix, name), help, labels, v); err != nil {
			L.ArgError(3, err.Error())
		}
		return 0
	}))
	r.L.SetGlobal("metrics", t)
}
