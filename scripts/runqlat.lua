-- runqlat: run-queue latency, the time tasks wait for a CPU after being
-- woken (or preempted), as a histogram.
--
-- Usage: luatrace runqlat [-m] [-p PID] [-d SECONDS]
--   -m          milliseconds (default: microseconds)
--   -p PID      only this thread (its pid; the main thread of a process)
--   -d SECONDS  stop after SECONDS (default: Ctrl-C)
--
-- sched_wakeup and sched_wakeup_new stamp a thread as runnable, and so
-- does sched_switch when it preempts a still-runnable thread; the next
-- sched_switch onto that thread ends the wait. The pairing is done in Lua,
-- so every context switch sends an event to luatrace: past the event
-- queue, switches are dropped and luatrace reports how many at exit.
--
-- Example output (luatrace runqlat -d 1, 2 CPUs shared with compiles):
--   Tracing run queue latency... Hit Ctrl-C to end.
--   @usecs:
--   [0]                    2 |                                                    |
--   [1]                  122 |@@@@@@@@@@@@@@@@                                    |
--   [2, 4)                35 |@@@@                                                |
--   [4, 8)               232 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                     |
--   [8, 16)              382 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
--   [16, 32)             341 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@      |
--   [32, 64)             123 |@@@@@@@@@@@@@@@@                                    |
--   [64, 128)              9 |@                                                   |
--   [128, 256)            61 |@@@@@@@@                                            |
--   [256, 512)            72 |@@@@@@@@@                                           |
--   [512, 1K)              3 |                                                    |
--   [1K, 2K)               5 |                                                    |
--   [2K, 4K)               4 |                                                    |
--
--   @usecs_stats: count 1391, average 53, total 74815

local sched = require("sched")
local o = require("args").parse(arg, {m = "flag", p = "number", d = "number"})
if o[1] ~= nil then
  io.stderr:write("runqlat: takes no positional argument (got '" .. o[1] .. "'); see runqlat -h\n")
  exit(2)
end

local latency = sched.histogram(o.m)
local queued = {} -- tid -> ns timestamp when it became runnable

local function woken(e) queued[e.args.pid] = e.ts end
local wake_filter = o.p and ("args.pid == " .. o.p) or nil
probe("tracepoint:sched:sched_wakeup", {filter = wake_filter}, woken)
probe("tracepoint:sched:sched_wakeup_new", {filter = wake_filter}, woken)

probe("tracepoint:sched:sched_switch", {filter = sched.switch_filter(o.p)}, function(e)
  local a = e.args
  if sched.preempted(a.prev_state) and (not o.p or a.prev_pid == o.p) then
    queued[a.prev_pid] = e.ts
  end
  local since = queued[a.next_pid]
  if since then
    queued[a.next_pid] = nil
    latency:add(e.ts - since)
  end
end)

probe("BEGIN", function() print("Tracing run queue latency... Hit Ctrl-C to end.") end)
if o.d then probe("interval:s:" .. o.d, function() exit() end) end
probe("END", function() latency:print() end)
