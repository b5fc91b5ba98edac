// Package mem is the mem global: reads of kernel memory (through the
// collector's reader program) and of a process's memory
// (process_vm_readv). Faults return nil and a message, never raise.
package mem

import (
	lua "github.com/yuin/gopher-lua"
)

// Kernel reads kernel memory: the runtime's BPF connection, loaded on
// first use (an error says why it cannot be).
type Kernel interface {
	ReadKernel(addr uint64, n int) ([]byte, error)
	ReadKernelString(addr uint64, max int) (string, error)
}

// Open adds the mem global, reading kernel memory through k.
func Open(L *lua.LState, k Kernel) {
	m := module{k: k}
	L.SetGlobal("mem", L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"kread": m.kread,
		"kstr":  m.kstr,
		"uread": uread,
		"ustr":  ustr,
	}))
}

type module struct{ k Kernel }
