--- sched: helpers for scheduler tools built on the sched tracepoints
--- (runqlat, cpudist, offcputime).
---
---   local sched = require("sched")
---   local h = sched.histogram(o.m, "since(queued[args.next_pid])")  -- ns, in the kernel
---   probe("tracepoint:sched:sched_switch", {into = h.into})
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

--- PREEMPTED is the kernel filter for a sched_switch whose prev_state
--- means the task left the CPU still runnable (see preempted).
M.PREEMPTED = "(args.prev_state & 0xff) == 0"

--- EXITING is the kernel filter for a sched_switch whose leaving task is
--- exiting (prev_state Z or X): it never runs again.
M.EXITING = "(args.prev_state & 0x30) != 0"

--- both joins kernel filters with &&, leaving out nils.
function M.both(...)
  local parts = {}
  for i = 1, select("#", ...) do
    local f = select(i, ...)
    if f then parts[#parts + 1] = "(" .. f .. ")" end
  end
  if #parts == 0 then return nil end
  return table.concat(parts, " && ")
end

--- histogram returns kernel maps of a duration: value is an expression in
--- nanoseconds (e.g. "since(queued[args.next_pid])"), aggregated in usecs
--- (msecs when ms is true) as a log2 histogram, per key when key is given,
--- and as count/average/total. Feed both with probe(..., {into = h.into});
--- h:print() shows @usecs like bpftrace and then
--- "@usecs_stats: count N, average A, total T".
function M.histogram(ms, value, key)
  local unit, divisor = "usecs", 1000
  if ms then unit, divisor = "msecs", 1000000 end
  local v = "(" .. value .. ") / " .. divisor
  local self = {hist = map.hist{name = unit, value = v, key = key},
                stats = map.stats{name = unit .. "_stats", value = v}}
  self.into = {self.hist, self.stats}
  function self:print()
    print(self.hist)
    print(self.stats)
  end
  return self
end

return M
