// Package kernel is the kernel global: what the running kernel is and
// has (release, config, BTF types, fields, enums, functions), so portable
// scripts pick probes and layouts at run time, and kernel.object, typed
// views of kernel memory read through BTF.
package kernel

import (
	"github.com/luatrace/luatrace/luaapi/host"
	"github.com/luatrace/luatrace/luaapi/lib/mem"
	"github.com/luatrace/luatrace/luaapi/stack"
	lua "github.com/yuin/gopher-lua"
)

// module answers the kernel global's questions.
type module struct {
	mem    mem.Kernel        // reads for kernel.object views
	syms   *stack.Symbols    // kallsyms, for has_function
	config map[string]string // kernel.config's options, read on first use
}

// Open adds the global table kernel, reading memory through k and
// symbols through syms. Each entry is a plain function; the questions
// about the kernel go through h, so that a recording keeps the answers
// and a replay gives the recording machine's.
func Open(L *lua.LState, k mem.Kernel, syms *stack.Symbols, h *host.Host) {
	m := &module{mem: k, syms: syms}
	t := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"release":      h.Wrap("kernel.release", m.release),
		"config":       h.Wrap("kernel.config", m.kernelConfig),
		"has_field":    h.Wrap("kernel.has_field", m.hasField),
		"enum":         h.Wrap("kernel.enum", m.enum),
		"has_function": h.Wrap("kernel.has_function", m.hasFunction),
		"walltime":     walltime,
	})
	m.openObject(L, t)
	L.SetGlobal("kernel", t)
}
