-- biolatency: block I/O latency (issue to completion) as a histogram.
--
-- Usage: luatrace biolatency [-m] [-D] [-d SECONDS]
--   -m          milliseconds (default microseconds)
--   -D          one histogram per disk
--   -d SECONDS  stop after SECONDS
--
-- Pairs block:block_rq_issue with block:block_rq_complete by device and
-- sector (stdlib block); requests issued before tracing began are skipped.
--
-- Example output (luatrace biolatency -D, while dd wrote 20 x 4 KiB with oflag=direct to a loop device):
--   Tracing block device I/O... Hit Ctrl-C to end.
--
--   @usecs[loop0]:
--   [8, 16)               18 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
--   [16, 32)               0 |                                                    |
--   [32, 64)               2 |@@@@@                                               |

local args = require("args")
local block = require("block")
local o = args.parse(arg, {m = "flag", D = "flag", d = "number"}, {})

local unit = o.m and "msecs" or "usecs"
local div = o.m and 1e6 or 1e3
lat = hist.new{ name = unit }

probe("BEGIN", function() print("Tracing block device I/O... Hit Ctrl-C to end.") end)
block.requests(function(rq)
  local v = math.floor(rq.latency / div)
  if o.D then lat:add(v, rq.disk) else lat:add(v) end
end)
if o.d then probe("interval:s:" .. o.d, function() exit() end) end
probe("END", function()
  print("")
  print(lat)
end)
