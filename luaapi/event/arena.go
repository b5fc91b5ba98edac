package event

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/attach"
	"github.com/luatrace/luatrace/bpf/capture"
	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/luaapi/stack"
)

// Arena hands out the event userdata of one batch of records from two
// slices allocated with it: two allocations a batch instead of two an
// event, which under a flood was most of the garbage collector's work. An
// event the script keeps keeps its batch's slices, as its record already
// keeps the batch's buffer.
type Arena struct {
	events []Event
	uds    []lua.LUserData
	env    *lua.LTable
	mt     lua.LValue
	names  *Names
}

// NewArena makes room for n events of L, whose commands names interns.
func NewArena(L *lua.LState, n int, names *Names) *Arena {
	return &Arena{events: make([]Event, n), uds: make([]lua.LUserData, n), env: L.Env, mt: Type.Metatable(L), names: names}
}

// New returns the next event, of rec, a record of target whose captured
// fields prog describes (nil without any), as userdata; syms names its
// stacks' frames; optional names read as nil (see New). It panics past
// the n events the arena was made for.
func (a *Arena) New(rec collector.Record, target *attach.Target, prog *capture.Program, syms *stack.Symbols, optional []string) *lua.LUserData {
	ev, ud := &a.events[0], &a.uds[0]
	a.events, a.uds = a.events[1:], a.uds[1:]
	*ev = Event{rec: rec, target: target, capture: prog, syms: syms, optional: optional, names: a.names}
	*ud = lua.LUserData{Value: ev, Env: a.env, Metatable: a.mt}
	return ud
}
