package time

import (
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"github.com/luatrace/luatrace/luaapi/strftime"
	"github.com/luatrace/luatrace/luaapi/value"
)

// monotonicNow is CLOCK_MONOTONIC in nanoseconds: the clock of e.ts
// (bpf_ktime_get_ns).
func monotonicNow() uint64 {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return uint64(ts.Nano())
}

// wallTime converts a monotonic timestamp (e.ts) to wall-clock time.
func wallTime(mono uint64) time.Time {
	now := time.Now()
	return now.Add(-time.Duration(int64(monotonicNow() - mono)))
}

// Strftime implements strftime(format [, ns]): ns is a monotonic
// timestamp such as e.ts (bpftrace's nsecs); without it, now.
func Strftime(L *lua.LState) int {
	layout := L.CheckString(1)
	at := time.Now()
	if L.GetTop() >= 2 {
		ns, ok := value.ToUint64(L.Get(2))
		if !ok {
			L.ArgError(2, "timestamp in nanoseconds expected, such as e.ts")
		}
		at = wallTime(ns)
	}
	s, err := strftime.Format(layout, at)
	if err != nil {
		L.ArgError(1, err.Error())
	}
	L.Push(lua.LString(s))
	return 1
}

// api is the Go half of stdlib/time.lua.
var api = map[string]lua.LGFunction{
	"now": func(L *lua.LState) int { L.Push(value.Uint(monotonicNow())); return 1 },
	"wall": func(L *lua.LState) int {
		now := time.Now()
		L.Push(lua.LNumber(float64(now.Unix()) + float64(now.Nanosecond())/1e9))
		return 1
	},
	"to_wall": func(L *lua.LState) int {
		ns, ok := value.ToUint64(L.Get(1))
		if !ok {
			L.ArgError(1, "timestamp in nanoseconds expected, such as e.ts")
		}
		t := wallTime(ns)
		L.Push(lua.LNumber(float64(t.Unix()) + float64(t.Nanosecond())/1e9))
		return 1
	},
	"strftime": Strftime,
}
