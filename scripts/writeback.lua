-- writeback: trace each writeback of dirty pages to a device, with why it
-- ran and how long it took.
--
-- Usage: luatrace writeback [-d SECONDS]
--   -d SECONDS  stop after SECONDS
--
-- Pairs the first writeback:writeback_start of a work (it fires once per
-- chunk) with its writeback:writeback_written, by device (bdi): the
-- work's page budget (nr_pages) shrinks by what was written, so PAGES is
-- the difference; ms is the time between them.
--
-- Example output (sync after writing 8 MiB):
--   TIME     DEVICE   PAGES    REASON           ms
--   09:37:09 254:0    0        periodic         0.004
--   09:37:10 254:0    8079     sync             13.543
--   09:37:10 254:0    363      sync             10.387

local args = require("args")
local o = args.parse(arg, {d = "number"}, {})

-- enum wb_reason, as the tracepoint's format prints it.
local reasons = {[0] = "background", "vmscan", "sync", "periodic", "laptop_timer",
  "fs_free_space", "forker_thread", "foreign_flush"}

local started = {} -- sb_dev -> {ts, nr_pages} at the work's first writeback_start

probe("BEGIN", function()
  printf("%-8s %-8s %-8s %-16s %s\n", "TIME", "DEVICE", "PAGES", "REASON", "ms")
end)
probe("tracepoint:writeback:writeback_start", {fields = {dev = "args.sb_dev", pages = "args.nr_pages"}}, function(e)
  started[e.dev] = started[e.dev] or {e.ts, e.pages}
end)
probe("tracepoint:writeback:writeback_written",
  {fields = {dev = "args.sb_dev", pages = "args.nr_pages", reason = "args.reason"}},
  function(e)
    local start = started[e.dev]
    if not start then return end -- began before the trace
    started[e.dev] = nil
    -- A sync's budget is LONG_MAX: beyond 2^53, so subtract with u64.
    local pages = u64.tonumber(u64.sub(start[2], e.pages))
    printf("%-8s %-8s %-8d %-16s %.3f\n", strftime("%H:%M:%S", e.ts), e.args.name, pages,
      reasons[e.reason] or tostring(e.reason), (e.ts - start[1]) / 1e6)
  end)
if o.d then probe("interval:s:" .. o.d, function() exit() end) end
