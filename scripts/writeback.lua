-- writeback: trace each writeback of dirty pages to a device, with why it
-- ran and how long it took.
--
-- Usage: luatrace writeback [-d SECONDS]
--   -d SECONDS  stop after SECONDS
--
-- Pairs writeback:writeback_start with writeback:writeback_written of the
-- same device (bdi) and prints the pages written and the duration.
--
-- Example output (sync after writing a file):
--   TIME     DEVICE   PAGES    REASON           ms
--   11:40:02 254:0    2560     sync             3.211

local args = require("args")
local o = args.parse(arg, {d = "number"})

-- enum wb_reason, as the tracepoint's format prints it.
local reasons = {[0] = "background", "vmscan", "sync", "periodic", "laptop_timer",
  "fs_free_space", "forker_thread", "foreign_flush"}

local started = {} -- sb_dev -> ts of writeback_start

probe("BEGIN", function()
  printf("%-8s %-8s %-8s %-16s %s\n", "TIME", "DEVICE", "PAGES", "REASON", "ms")
end)
probe("tracepoint:writeback:writeback_start", {fields = {dev = "args.sb_dev"}}, function(e)
  started[e.dev] = e.ts
end)
probe("tracepoint:writeback:writeback_written",
  {fields = {dev = "args.sb_dev", name = "str(args.name)", pages = "args.nr_pages", reason = "args.reason"}},
  function(e)
    local t0 = started[e.dev]
    started[e.dev] = nil
    local ms = t0 and string.format("%.3f", (e.ts - t0) / 1e6) or "?"
    printf("%-8s %-8s %-8d %-16s %s\n", strftime("%H:%M:%S", e.ts), e.name, e.pages,
      reasons[e.reason] or tostring(e.reason), ms)
  end)
if o.d then probe("interval:s:" .. o.d, function() exit() end) end
