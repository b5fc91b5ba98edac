-- biosnoop: each block I/O request with its process, disk, direction,
-- sector, size and latency.
--
-- Usage: luatrace biosnoop [-d SECONDS]
--   -d SECONDS  stop after SECONDS
--
-- The process is the one that issued the request (block:block_rq_issue),
-- which for buffered writes is often a kernel writeback thread.
--
-- Example output (luatrace biosnoop, while dd wrote with oflag=direct to a loop device):
-- (TIME counts from the first request seen on any disk)
--   TIME(s)     COMM             PID     DISK     T SECTOR       BYTES    LAT(ms)
--   0.224694    dd               1342    loop0    W 0            4096        0.05
--   0.224756    dd               1342    loop0    W 8            4096        0.03

local args = require("args")
local block = require("block")
local o = args.parse(arg, {d = "number"}, {})
local start

probe("BEGIN", function()
  printf("%-11s %-16s %-7s %-8s %s %-12s %-7s %8s\n", "TIME(s)", "COMM", "PID", "DISK", "T", "SECTOR", "BYTES", "LAT(ms)")
end)
block.requests(function(rq, e)
  start = start or rq.ts
  local t = rq.rwbs:find("W") and "W" or (rq.rwbs:find("R") and "R" or rq.rwbs:sub(1, 1))
  printf("%-11.6f %-16s %-7d %-8s %s %-12d %-7d %8.2f\n", (rq.ts - start) / 1e9, rq.comm, rq.pid, rq.disk, t,
    rq.sector, rq.bytes, rq.latency / 1e6)
end)
if o.d then probe("interval:s:" .. o.d, function() exit() end) end
