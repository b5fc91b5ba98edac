--- time: clocks and timestamps.
---
--- Event timestamps (e.ts) and time.now() use the same clock, the kernel's
--- monotonic clock in nanoseconds (bpf_ktime_get_ns), so they subtract
--- directly: `time.now() - e.ts` is the event's age.
---
---   local time = require("time")
---   printf("%s %d\n", time.strftime("%H:%M:%S", e.ts), e.pid)
local native = require("luatrace.time")

local M = {}

--- Monotonic nanoseconds now, on the clock of e.ts.
function M.now()
  return native.now()
end

--- Wall-clock seconds since 1970 as a number (microsecond precision).
function M.wall()
  return native.wall()
end

--- Wall-clock seconds since 1970 at which the monotonic timestamp ns
--- (such as e.ts) was taken.
function M.to_wall(ns)
  return native.to_wall(ns)
end

--- strftime(format [, ns]) formats the wall-clock time of monotonic
--- timestamp ns (default: now) with C strftime conversions, plus %f
--- (microseconds) and %N (nanoseconds). Also a global, as in bpftrace:
--- strftime(fmt, e.ts).
---   time.strftime("%H:%M:%S.%f", e.ts)  --> "14:03:27.512034"
M.strftime = native.strftime

--- Seconds elapsed between two monotonic timestamps (b defaults to now).
function M.seconds(a, b)
  return ((b or native.now()) - a) / 1e9
end

return M
