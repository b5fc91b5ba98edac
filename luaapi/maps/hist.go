package maps

import (
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/aggtext"
	"github.com/luatrace/luatrace/luaapi/diag"
)

// newLocalHist implements hist.new([{min=, max=, step=}]): a histogram the
// script feeds with h:add(value[, key...]) from callbacks, printed exactly
// like the kernel's map.hist / map.lhist.
func (mod *Module) newLocalHist(L *lua.LState) int {
	m := &Map{kind: aggtext.Hist, local: map[string]*mapRow{}}
	if opts, ok := L.Get(1).(*lua.LTable); ok {
		if n, ok := opts.RawGetString("name").(lua.LString); ok {
			m.name = strings.TrimPrefix(string(n), "@")
		}
		if opts.RawGetString("step") != lua.LNil {
			m.kind = aggtext.LinearHist
			var err error
			if m.lin, err = linearBounds(opts); err != nil {
				L.ArgError(1, strings.Replace(err.Error(), "map.lhist", "hist.new", 1))
			}
		}
	}
	L.Push(mod.wrap(L, m))
	return 1
}

// mapAdd implements h:add(value[, key...]) for hist.new() histograms.
func (mod *Module) mapAdd(L *lua.LState) int {
	m := Type.Check(L, 1)
	if m.local == nil {
		diag.Raise(L, &diag.Error{Msg: fmt.Sprintf("map %s is updated in the kernel by its probes", mod.mapName(L, m)), Hint: "only hist.new() histograms take :add()", Kind: diag.ErrScript})
	}
	v := int64(L.CheckNumber(2))
	var key []lua.LValue
	var text []string
	for i := 3; i <= L.GetTop(); i++ {
		key = append(key, L.Get(i))
		text = append(text, keyText(L.Get(i)))
	}
	id := strings.Join(text, "\x00")
	row := m.local[id]
	if row == nil {
		row = &mapRow{key: key, text: text, buckets: map[uint64]int64{}}
		m.local[id] = row
	}
	row.value.Add(v)
	if m.kind == aggtext.LinearHist {
		row.buckets[aggtext.LinearBucket(v, m.lin)]++
	} else {
		row.buckets[aggtext.Log2Bucket(v)]++
	}
	return 0
}
