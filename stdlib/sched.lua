--- sched: helpers for scheduler tools built on the sched tracepoints
--- (runqlat, cpudist, offcputime).
---
---   local sched = require("sched")
---   local h = sched.histogram(o.m)     -- usecs, or msecs when true
---   h:add(e.ts - since)               -- nanoseconds
---   h:print()                         -- @usecs: histogram, then a stats line
---   probe("tracepoint:sched:sched_switch", {filter = sched.switch_filter(pid)}, ...)
---   if sched.preempted(e.args.prev_state) then ... end

local M = {}

--- preempted tells whether sched_switch's prev_state means the task left
--- the CPU still runnable: 0 (TASK_RUNNING) or the preemption mark the
--- tracepoint reports (TASK_REPORT_MAX, 0x100), not a sleep state and not
--- TASK_REPORT_IDLE (0x80).
function M.preempted(state)
  return state % 256 == 0
end

--- switch_filter returns the kernel filter for sched_switch events that
--- involve thread pid (leaving or taking the CPU), or nil for all threads.
function M.switch_filter(pid)
  if pid == nil then return nil end
  return string.format("args.prev_pid == %d || args.next_pid == %d", pid, pid)
end

--- histogram returns a log2 histogram of durations in microseconds (or
--- milliseconds when ms is true), fed in nanoseconds with :add(ns[, key...]),
--- whose :print() shows it like bpftrace's @usecs and then
--- "@usecs_stats: count N, average A, total T" (as map.stats prints).
function M.histogram(ms)
  local unit, divisor = "usecs", 1000
  if ms then unit, divisor = "msecs", 1000000 end
  local self = {hist = hist.new{name = unit}, count = 0, total = 0}
  function self:add(ns, ...)
    local v = math.floor(ns / divisor)
    self.hist:add(v, ...)
    self.count = self.count + 1
    self.total = self.total + v
  end
  function self:print()
    print(self.hist)
    local average = self.count > 0 and math.floor(self.total / self.count) or 0
    printf("@%s_stats: count %d, average %d, total %d\n", unit, self.count, average, self.total)
  end
  return self
end

return M
