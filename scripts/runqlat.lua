-- runqlat: run-queue latency, the time tasks wait for a CPU after being
-- woken (or preempted), as a histogram.
--
-- Usage: luatrace runqlat [-m] [-p PID] [-d SECONDS]
--   -m          milliseconds (default: microseconds)
--   -p PID      only this thread (its pid; the main thread of a process)
--   -d SECONDS  stop after SECONDS (default: Ctrl-C)
--
-- sched_wakeup and sched_wakeup_new stamp a thread as runnable, and so
-- does sched_switch when it preempts a still-runnable thread (not the
-- idle tasks, which share pid 0); the next sched_switch onto that thread
-- ends the wait. Stamps, waits and the histogram stay in the kernel
-- (probe stamps and since()), so no event reaches Lua and the counts are
-- exact at any switch rate.
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
local o = require("args").parse(arg, {m = "flag", p = "pid", d = "number"}, {})

local latency = sched.histogram(o.m, "since(queued[args.next_pid])")
local function only(field) return o.p and string.format("args.%s == %d", field, o.p) or nil end

-- Under -c/-p the pid filter tests the thread each event is about (option
-- task): the woken one, the one taking the CPU; a preempted one is current.
probe("tracepoint:sched:sched_wakeup", {filter = only("pid"), stamp = "queued[args.pid]", task = "args.pid"})
probe("tracepoint:sched:sched_wakeup_new", {filter = only("pid"), stamp = "queued[args.pid]", task = "args.pid"})
probe("tracepoint:sched:sched_switch", {filter = sched.both(sched.PREEMPTED, "args.prev_pid != 0", only("prev_pid")),
  stamp = "queued[args.prev_pid]"})
probe("tracepoint:sched:sched_switch", {filter = only("next_pid"), into = latency.into, task = "args.next_pid"})

probe("BEGIN", function() print("Tracing run queue latency... Hit Ctrl-C to end.") end)
if o.d then probe("interval:s:" .. o.d, function() exit() end) end
probe("END", function() latency:print() end)
