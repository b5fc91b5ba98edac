package stacks

import (
	"bytes"
	"fmt"
	"io"

	lua "github.com/yuin/gopher-lua"
)

// Preload registers luatrace.stacks for require: pprof(samples, opts)
// and svg(samples, opts) return the encoded profile as a string, where
// samples is a list of { frames = {outermost, ..., innermost}, value = N }
// and opts names the value (type, unit, period, period_type,
// period_unit) and the graph (title).
func Preload(L *lua.LState) {
	L.PreloadModule("luatrace.stacks", func(L *lua.LState) int {
		L.Push(L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
			"pprof": encoder(WritePprof),
			"svg":   encoder(WriteFlameGraph),
		}))
		return 1
	})
}

func encoder(write func(io.Writer, []Sample, Options) error) lua.LGFunction {
	return func(L *lua.LState) int {
		samples := checkSamples(L, 1)
		opts := checkOptions(L, 2)
		var b bytes.Buffer
		if err := write(&b, samples, opts); err != nil {
			L.RaiseError("%s", err.Error())
		}
		L.Push(lua.LString(b.String()))
		return 1
	}
}

func checkSamples(L *lua.LState, n int) []Sample {
	t := L.CheckTable(n)
	out := make([]Sample, 0, t.Len())
	for i := 1; i <= t.Len(); i++ {
		st, ok := t.RawGetInt(i).(*lua.LTable)
		if !ok {
			L.ArgError(n, fmt.Sprintf("sample %d is not a table { frames = {...}, value = N }", i))
		}
		frames, ok := st.RawGetString("frames").(*lua.LTable)
		if !ok {
			L.ArgError(n, fmt.Sprintf("sample %d has no frames list", i))
		}
		value, ok := st.RawGetString("value").(lua.LNumber)
		if !ok {
			L.ArgError(n, fmt.Sprintf("sample %d has no numeric value", i))
		}
		s := Sample{Value: int64(value), Frames: make([]string, 0, frames.Len())}
		for j := 1; j <= frames.Len(); j++ {
			s.Frames = append(s.Frames, lua.LVAsString(frames.RawGetInt(j)))
		}
		out = append(out, s)
	}
	return out
}

func checkOptions(L *lua.LState, n int) Options {
	opts := Options{Type: "samples", Unit: "count"}
	t := L.OptTable(n, nil)
	if t == nil {
		return opts
	}
	str := func(name string, dst *string) {
		if v, ok := t.RawGetString(name).(lua.LString); ok {
			*dst = string(v)
		}
	}
	str("type", &opts.Type)
	str("unit", &opts.Unit)
	str("period_type", &opts.PeriodType)
	str("period_unit", &opts.PeriodUnit)
	str("title", &opts.Title)
	if v, ok := t.RawGetString("period").(lua.LNumber); ok {
		opts.Period = int64(v)
	}
	return opts
}
