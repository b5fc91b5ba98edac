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

// Clock is the time the module's functions read: this machine's, or a
// replay's, which is the recording's time at the event being replayed.
type Clock interface {
	// Now is CLOCK_MONOTONIC in nanoseconds, the clock of e.ts.
	Now() uint64
	// Wall is the wall-clock time of a monotonic timestamp.
	Wall(mono uint64) time.Time
}

type systemClock struct{}

func (systemClock) Now() uint64                { return monotonicNow() }
func (systemClock) Wall(mono uint64) time.Time { return wallTime(mono) }

func isSystem(c Clock) bool {
	_, ok := c.(systemClock)
	return ok
}

// clockKey holds a state's Clock in its registry.
const clockKey = "luatrace.time.clock"

// SetClock makes L's time functions read c instead of this machine's
// clock (a replay).
func SetClock(L *lua.LState, c Clock) {
	ud := L.NewUserData()
	ud.Value = c
	L.SetField(L.Get(lua.RegistryIndex), clockKey, ud)
}

func clockOf(L *lua.LState) Clock {
	if ud, ok := L.GetField(L.Get(lua.RegistryIndex), clockKey).(*lua.LUserData); ok {
		if c, ok := ud.Value.(Clock); ok {
			return c
		}
	}
	return systemClock{}
}

// RecordedWall is the wall-clock time of a monotonic timestamp on the
// clock SetClock gave L (a replay's: the recording's), false when L reads
// this machine's clock.
func RecordedWall(L *lua.LState, mono uint64) (time.Time, bool) {
	c := clockOf(L)
	if isSystem(c) {
		return time.Time{}, false
	}
	return c.Wall(mono), true
}

// Strftime implements strftime(format [, ns]): ns is a monotonic
// timestamp such as e.ts (bpftrace's nsecs); without it, now.
func Strftime(L *lua.LState) int {
	layout := L.CheckString(1)
	c := clockOf(L)
	at := time.Now()
	if !isSystem(c) {
		at = c.Wall(c.Now())
	}
	if L.GetTop() >= 2 {
		ns, ok := value.ToUint64(L.Get(2))
		if !ok {
			L.ArgError(2, "timestamp in nanoseconds expected, such as e.ts")
		}
		at = c.Wall(ns)
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
	"now": func(L *lua.LState) int { L.Push(value.Uint(clockOf(L).Now())); return 1 },
	"wall": func(L *lua.LState) int {
		now := time.Now()
		if c := clockOf(L); !isSystem(c) {
			now = c.Wall(c.Now())
		}
		L.Push(lua.LNumber(float64(now.Unix()) + float64(now.Nanosecond())/1e9))
		return 1
	},
	"to_wall": func(L *lua.LState) int {
		ns, ok := value.ToUint64(L.Get(1))
		if !ok {
			L.ArgError(1, "timestamp in nanoseconds expected, such as e.ts")
		}
		t := clockOf(L).Wall(ns)
		L.Push(lua.LNumber(float64(t.Unix()) + float64(t.Nanosecond())/1e9))
		return 1
	},
	"strftime": Strftime,
}
