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
-- the other's: the start is stamped and the stint measured in the kernel
-- (probe stamps and since()), so no event reaches Lua and the counts are
-- exact at any switch rate. The idle tasks (pid 0) are left out: their
-- time on a CPU is the CPU's idle time; so are exiting threads' last
-- switches off the CPU, which no run ends.
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
local o = require("args").parse(arg, {O = "flag", m = "flag", P = "flag", p = "pid", d = "number"}, {})

-- On-CPU stints run from switching in (next) to switching out (prev);
-- off-CPU ones the other way round.
local starts, ends = "next_pid", "prev_pid"
if o.O then starts, ends = "prev_pid", "next_pid" end
local times = sched.histogram(o.m, "since(stint[args." .. ends .. "])", o.P and ("args." .. ends) or nil)
local function only(field) return o.p and string.format("args.%s == %d", field, o.p) or nil end

-- Under -c/-p the pid filter tests the thread each probe is about (option
-- task): the one taking the CPU is not the current task yet.
local function about(field) return field == "next_pid" and "args.next_pid" or nil end
probe("tracepoint:sched:sched_switch", {filter = sched.both("args." .. starts .. " != 0", only(starts),
  o.O and ("!(" .. sched.EXITING .. ")") or nil), stamp = "stint[args." .. starts .. "]", task = about(starts)})
probe("tracepoint:sched:sched_switch", {filter = sched.both("args." .. ends .. " != 0", only(ends)), into = times.into,
  task = about(ends)})

probe("BEGIN", function()
  printf("Tracing %s-CPU time... Hit Ctrl-C to end.\n", o.O and "off" or "on")
end)
if o.d then probe("interval:s:" .. o.d, function() exit() end) end
probe("END", function() times:print() end)
