-- pidpersec: count new processes (forks) per second.
--
-- Usage: luatrace pidpersec [-p PID] [-d SECONDS]
--   -p PID      only forks made by this process
--   -d SECONDS  stop after SECONDS (the last, partial second is printed)
--
-- Counts sched:sched_process_fork events in Lua and prints the count
-- every second, as bpftrace's pidpersec.bt does.
--
-- Example output (a shell running three commands):
--   Tracing new processes... Hit Ctrl-C to end.
--   09:32:22 PIDs/sec: 3

local args = require("args")
local o = args.parse(arg, {p = "pid", d = "number"}, {})

local n = 0
local function report()
  printf("%s PIDs/sec: %d\n", strftime("%H:%M:%S"), n)
  n = 0
end

probe("BEGIN", function() print("Tracing new processes... Hit Ctrl-C to end.") end)
probe("tracepoint:sched:sched_process_fork", {pid = o.p}, function() n = n + 1 end)
probe("interval:s:1", report)
probe("END", function() if n > 0 then report() end end)
if o.d then probe("interval:s:" .. o.d, function() exit() end) end
