-- bashreadline: print the command lines typed into bash, from every bash
-- on the system.
--
-- Usage: luatrace bashreadline [-s SHELL] [-d SECONDS]
--   -s SHELL    the bash binary (default /bin/bash)
--   -d SECONDS  stop after SECONDS
--
-- A return probe on bash's readline(): its return value is the line.
-- Lines are read in the kernel at return, before bash can free them.
--
-- Example output:
--   TIME     PID    COMMAND
--   09:38:30 6688   ls -l /tmp/ws/hog
--   09:38:31 6688   exit

local args = require("args")
local o = args.parse(arg, {s = "string", d = "number"}, {})

probe("BEGIN", function() printf("%-8s %-6s %s\n", "TIME", "PID", "COMMAND") end)
probe("uretprobe:" .. (o.s or "/bin/bash") .. ":readline", {fields = {line = "str(retval)"}, filter = "retval != 0"},
  function(e) printf("%-8s %-6d %s\n", strftime("%H:%M:%S", e.ts), e.pid, e.line) end)
if o.d then probe("interval:s:" .. o.d, function() exit() end) end
