-- mdflush: trace flush requests sent to md (software RAID) arrays.
--
-- Usage: luatrace mdflush [-d SECONDS]
--   -d SECONDS  stop after SECONDS
--
-- A probe alias on md_flush_request(mddev, bio): fentry where the kernel
-- allows it, else a kprobe (the md module must be loaded; there is no
-- tracepoint). DEVICE is the array the flush bio was sent to.
--
-- Example output:
--   TIME     PID    COMM             DEVICE
--   12:50:02 331    dd               md0

local args = require("args")
local o = args.parse(arg, {d = "number"}, {})

-- A bio names its block device since 5.12, its disk before.
local disk = {disk = "str(((struct bio *)arg1)->bi_bdev->bd_disk->disk_name)"}
if not kernel.has_field("struct bio", "bi_bdev") then
  disk = {disk = "str(((struct bio *)arg1)->bi_disk->disk_name)"}
end
alias("md:flush", {
  doc = "a flush request to an md array; disk is the array's name",
  try = {{"fentry:md_flush_request", fields = disk}, {"kprobe:md_flush_request", fields = disk}},
})

probe("BEGIN", function() printf("%-8s %-6s %-16s %s\n", "TIME", "PID", "COMM", "DEVICE") end)
probe("md:flush", function(e)
  printf("%-8s %-6d %-16s %s\n", strftime("%H:%M:%S", e.ts), e.pid, e.comm, e.disk)
end)
if o.d then probe("interval:s:" .. o.d, function() exit() end) end
