package luaapi

import (
	"github.com/luatrace/luatrace/luaapi/event"
	kernelglobal "github.com/luatrace/luatrace/luaapi/lib/kernel"
	"github.com/luatrace/luatrace/luaapi/lib/mem"
	"github.com/luatrace/luatrace/luaapi/lib/ntop"
	"github.com/luatrace/luatrace/luaapi/lib/osext"
	"github.com/luatrace/luatrace/luaapi/lib/printing"
	"github.com/luatrace/luatrace/luaapi/lib/proc"
	"github.com/luatrace/luatrace/luaapi/lib/require"
	"github.com/luatrace/luatrace/luaapi/lib/script"
	"github.com/luatrace/luatrace/luaapi/lib/stacks"
	"github.com/luatrace/luatrace/luaapi/lib/sym"
	"github.com/luatrace/luatrace/luaapi/lib/sys"
	ltime "github.com/luatrace/luatrace/luaapi/lib/time"
	"github.com/luatrace/luatrace/luaapi/safelua"
	"github.com/luatrace/luatrace/luaapi/stack"
	"github.com/luatrace/luatrace/luaapi/value"
)

// openLibraries adds what a script sees besides probes: the globals, the
// Go halves of the standard library as "luatrace.NAME" modules for
// require (the Lua modules in stdlib/ use them and carry the
// documentation), and the limits and guards on Lua's own library.
func (r *Runtime) openLibraries() {
	L := r.L
	value.Open(L)
	printing.Open(L, r.out)
	event.Open(L)
	r.installProbe()
	r.installMetrics()
	require.Open(L, r.libDirs, r.stderr)
	ltime.Preload(L)
	sys.Preload(L)
	sym.Preload(L, r.syms, r.host)
	stacks.Preload(L)
	proc.Preload(L, r.host)
	script.Preload(L, func() string { return r.usage })
	r.installAlias()
	stack.Open(L)
	r.maps.Open(L)
	ntop.Open(L)
	kernelglobal.Open(L, kernelMemory{r}, r.syms, r.host)
	osext.Open(L, r.host)
	mem.Open(L, kernelMemory{r})
	safelua.Limit(L)
	safelua.Guard(L)
}

// kernelMemory reads kernel memory for the kernel and mem globals
// through the collector, which it loads on first use.
type kernelMemory struct{ r *Runtime }

var _ mem.Kernel = kernelMemory{}

// ReadKernel reads n bytes of kernel memory at addr.
func (m kernelMemory) ReadKernel(addr uint64, n int) ([]byte, error) {
	k, err := m.r.kernelSide()
	if err != nil {
		return nil, err
	}
	return k.Col.ReadKernel(addr, n)
}

// ReadKernelString reads a NUL-terminated string of at most max bytes.
func (m kernelMemory) ReadKernelString(addr uint64, max int) (string, error) {
	k, err := m.r.kernelSide()
	if err != nil {
		return "", err
	}
	return k.Col.ReadKernelString(addr, max)
}
