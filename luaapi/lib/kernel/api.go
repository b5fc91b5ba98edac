package kernel

import (
	"errors"
	"sort"
	"strings"

	"github.com/cilium/ebpf/btf"
	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"github.com/luatrace/luatrace/bpf/capture"
	"github.com/luatrace/luatrace/bpf/kernelbtf"
	ltime "github.com/luatrace/luatrace/luaapi/lib/time"
	"github.com/luatrace/luatrace/luaapi/value"
)

// spec returns the kernel's BTF, the copy the probes share.
func (k *module) spec() (*btf.Spec, error) { return kernelbtf.Kernel() }

// release implements kernel.release(): uname -r.
func (k *module) release(L *lua.LState) int {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		L.RaiseError("kernel.release: %s", err.Error())
	}
	L.Push(lua.LString(unix.ByteSliceToString(u.Release[:])))
	return 1
}

// lookup resolves a C type name in kernel BTF; no BTF at all raises.
func (k *module) lookup(L *lua.LState, fn, name string) (btf.Type, bool) {
	spec, err := k.spec()
	if err != nil {
		L.RaiseError("kernel.%s: %s", fn, err.Error())
	}
	t, err := capture.LookupType(spec, name)
	return t, err == nil
}

// hasField implements kernel.has_field("struct iov_iter", "__ubuf_iovec"):
// true when the type exists and has the member (a dotted path; anonymous
// structs and unions are looked through). A missing type is false too.
func (k *module) hasField(L *lua.LState) int {
	name, path := L.CheckString(1), L.CheckString(2)
	t, ok := k.lookup(L, "has_field", name)
	L.Push(lua.LBool(ok && capture.HasMember(t, path)))
	return 1
}

// enum implements kernel.enum("skb_drop_reason") (or "enum NAME"): a
// table from each value to its enumerator's full name.
func (k *module) enum(L *lua.LState) int {
	name := L.CheckString(1)
	if !strings.HasPrefix(name, "enum ") {
		name = "enum " + name
	}
	t, ok := k.lookup(L, "enum", name)
	if !ok {
		L.RaiseError("kernel.enum: this kernel's BTF has no %s", name)
	}
	values, err := capture.EnumValues(t)
	if err != nil {
		L.RaiseError("kernel.enum: %s", err.Error())
	}
	keys := make([]uint64, 0, len(values))
	for v := range values {
		keys = append(keys, v)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	tbl := L.NewTable()
	for _, v := range keys {
		tbl.RawSet(value.Int(int64(v)), lua.LString(values[v]))
	}
	L.Push(tbl)
	return 1
}

// hasFunction implements kernel.has_function(name): the kernel (or a
// loaded module) has a function of that name, by BTF or /proc/kallsyms.
// It says nothing about whether probes may attach to it.
func (k *module) hasFunction(L *lua.LState) int {
	name := L.CheckString(1)
	if spec, err := k.spec(); err == nil {
		var fn *btf.Func
		if err := spec.TypeByName(name, &fn); err == nil {
			L.Push(lua.LTrue)
			return 1
		} else if !errors.Is(err, btf.ErrNotFound) {
			L.Push(lua.LTrue) // several functions of that name
			return 1
		}
	}
	found := false
	if t := k.syms.Kernel(); t != nil {
		if addr, ok := t.Addr(name); ok {
			sym, _, _ := t.Resolve(addr)
			found = sym.Type == 't' || sym.Type == 'T'
		}
	}
	L.Push(lua.LBool(found))
	return 1
}

// walltime implements kernel.walltime(ts): an event timestamp (e.ts,
// CLOCK_MONOTONIC nanoseconds, as bpf_ktime_get_ns) as wall-clock seconds
// and nanoseconds since the epoch, two exact numbers (their product would
// not fit a Lua number). The clocks' offset is read at each call, so a
// stepped wall clock is followed; a replay's is the recording's.
func walltime(L *lua.LState) int {
	ts, ok := value.ToUint64(L.Get(1))
	if !ok {
		L.ArgError(1, "kernel.walltime needs an event timestamp in nanoseconds (e.ts)")
	}
	sec, nsec := monotonicToWall(ts)
	if w, ok := ltime.RecordedWall(L, ts); ok {
		sec, nsec = w.Unix(), int64(w.Nanosecond())
	}
	L.Push(lua.LNumber(sec))
	L.Push(lua.LNumber(nsec))
	return 2
}

// monotonicToWall converts CLOCK_MONOTONIC ns to CLOCK_REALTIME. The
// offset is taken between two monotonic reads around the realtime read.
func monotonicToWall(ts uint64) (sec, nsec int64) {
	var m1, rt, m2 unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &m1)
	unix.ClockGettime(unix.CLOCK_REALTIME, &rt)
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &m2)
	mono := (m1.Nano() + m2.Nano()) / 2
	offset := rt.Nano() - mono // fits: ~1.8e18 < 9.2e18
	wall := int64(ts) + offset
	return wall / 1e9, wall % 1e9
}
