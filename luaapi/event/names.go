package event

import lua "github.com/yuin/gopher-lua"

// Names interns the commands events answer for e.comm: under a flood
// nearly every event comes from a handful of processes, and making a Lua
// string of the record's bytes each time was two allocations an event. One
// Names serves one Lua state's goroutine.
type Names struct {
	comms map[string]lua.LValue
}

// maxNames bounds the commands kept; past it the cache starts over.
const maxNames = 4096

// comm returns the Lua string of command b.
func (n *Names) comm(b []byte) lua.LValue {
	if n == nil {
		return lua.LString(b)
	}
	if v, ok := n.comms[string(b)]; ok {
		return v
	}
	if n.comms == nil || len(n.comms) >= maxNames {
		n.comms = make(map[string]lua.LValue)
	}
	v := lua.LValue(lua.LString(b))
	n.comms[string(b)] = v
	return v
}
