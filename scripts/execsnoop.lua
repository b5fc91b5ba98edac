-- execsnoop: print each program started on the system, as it starts.
--
-- Usage:  luatrace execsnoop [SECONDS]
--         luatrace -p PID execsnoop     (only PID's execs)
--
-- Attaches to the sched:sched_process_exec tracepoint; the file name comes
-- from the tracepoint's __data_loc string, decoded in user space.
--
-- Example output:
--   TIME(s)  PID     COMM             FILENAME
--   0.412    48122   ls               /usr/bin/ls
--   0.415    48123   date             /usr/bin/date

local o = require("args").parse(arg, {})
local seconds = tonumber(o[1])
local start

probe("BEGIN", function()
  printf("%-8s %-7s %-16s %s\n", "TIME(s)", "PID", "COMM", "FILENAME")
end)

probe("tracepoint:sched:sched_process_exec", function(e)
  start = start or e.ts
  printf("%-8.3f %-7d %-16s %s\n", (e.ts - start) / 1e9, e.pid, e.comm, e.args.filename)
end)

if seconds then
  probe("interval:s:" .. seconds, function() exit() end)
end
