-- cpudist: how long threads run on a CPU each time they get one (or, with
-- -O, how long they stay off it), as a histogram.
--
-- Usage: luatrace cpudist [-O] [-m] [-P] [-p PID] [-d SECONDS]
--   -O          off-CPU time instead: from leaving the CPU to running again
--   -m          milliseconds (default: microseconds)
--   -P          one histogram per thread id
--   -p PID      only this thread (its pid; the main thread of a process)
--   -d SECONDS  stop after SECONDS (default: Ctrl-C)
--
-- Each sched_switch ends one thread's stint (on or off the CPU) and starts
-- the other's; the timing is done in Lua, so every context switch sends an
-- event to luatrace (past the event queue, switches are dropped and
-- luatrace reports how many at exit). The idle task (pid 0) is left out:
-- its time on a CPU is the CPU's idle time.
--
-- Example output (luatrace cpudist -p PID on ./bursts 10 20 20, which runs
-- 20 ms of CPU time then sleeps 20 ms, ten times, on 2 busy CPUs: the
-- runs are cut by preemption, and the total is the 200 ms):
--   Tracing on-CPU time... Hit Ctrl-C to end.
--   @usecs:
--   [8, 16)                1 |@@@                                                 |
--   [16, 32)               3 |@@@@@@@@@@                                          |
--   [32, 64)               4 |@@@@@@@@@@@@@                                       |
--   [64, 128)              1 |@@@                                                 |
--   [128, 256)             6 |@@@@@@@@@@@@@@@@@@@@                                |
--   [256, 512)             1 |@@@                                                 |
--   [512, 1K)              2 |@@@@@@                                              |
--   [1K, 2K)              15 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
--   [2K, 4K)               3 |@@@@@@@@@@                                          |
--   [4K, 8K)              10 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                  |
--   [8K, 16K)              9 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                     |
--   [16K, 32K)             1 |@@@                                                 |
--
--   @usecs_stats: count 56, average 3583, total 200700

local sched = require("sched")
local o = require("args").parse(arg, {O = "flag", m = "flag", P = "flag", p = "number", d = "number"})
if o[1] ~= nil then
  io.stderr:write("cpudist: takes no positional argument (got '" .. o[1] .. "'); see cpudist -h\n")
  exit(2)
end

local times = sched.histogram(o.m)
local since = {} -- tid -> ns timestamp its current stint (on or off the CPU) began

-- ended closes tid's stint at ts and counts it.
local function ended(tid, ts)
  local start = since[tid]
  since[tid] = nil
  if start == nil or tid == 0 or (o.p and tid ~= o.p) then return end
  if o.P then
    times:add(ts - start, tid)
  else
    times:add(ts - start)
  end
end

probe("tracepoint:sched:sched_switch", {filter = sched.switch_filter(o.p)}, function(e)
  local a = e.args
  if o.O then
    ended(a.next_pid, e.ts)
    since[a.prev_pid] = e.ts
  else
    ended(a.prev_pid, e.ts)
    since[a.next_pid] = e.ts
  end
end)

probe("BEGIN", function()
  printf("Tracing %s-CPU time... Hit Ctrl-C to end.\n", o.O and "off" or "on")
end)
if o.d then probe("interval:s:" .. o.d, function() exit() end) end
probe("END", function() times:print() end)
