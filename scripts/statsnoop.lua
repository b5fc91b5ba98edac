-- statsnoop: trace stat(2)-family calls (stat, lstat, fstatat, statx,
-- statfs), with the path and the result.
--
-- Usage: luatrace statsnoop [-t] [-x] [-p PID] [-d SECONDS]
--   -t          print a timestamp (seconds since the start)
--   -x          only failed calls
--   -p PID      only this process
--   -d SECONDS  stop after SECONDS
--
-- Example output (luatrace -c 'stat /etc/hostname /nope' statsnoop):
--   PID    COMM             ERR PATH
--   29697  stat               0 /etc/hostname
--   29697  stat               0 /etc/nsswitch.conf
--   29697  stat               2 /nope

local args = require("args")
local syscalls = require("syscalls")
local o = args.parse(arg, {t = "flag", x = "flag", p = "pid", d = "number"}, {})

local start

probe("BEGIN", function()
  if o.t then printf("%-9s ", "TIME(s)") end
  printf("%-6s %-16s %3s %s\n", "PID", "COMM", "ERR", "PATH")
end)

local function done(path, e)
  local err = e.ret < 0 and -e.ret or 0
  if o.x and err == 0 then return end
  start = start or e.ts
  if o.t then printf("%-9.3f ", (e.ts - start) / 1e9) end
  printf("%-6d %-16s %3d %s\n", e.pid, e.comm, err, path)
end

-- Which of these exist depends on the architecture (arm64 has no newstat).
local calls = {statfs = "pathname", newstat = "filename", newlstat = "filename", newfstatat = "filename", statx = "filename"}
for _, call in ipairs{"statfs", "newstat", "newlstat", "newfstatat", "statx"} do
  syscalls.pair(call, {pid = o.p, optional = true, fields = {path = "str(args." .. calls[call] .. ")"}},
    function(e) return syscalls.text(e, "path") end, done)
end
if o.d then probe("interval:s:" .. o.d, function() exit() end) end
