-- opensnoop: trace open(2), openat(2) and openat2(2) calls, with the file
-- name and the result.
--
-- Usage: luatrace opensnoop [-T] [-U] [-x] [-e] [-p PID] [-u UID]
--                           [-n NAME] [-d SECONDS]
--   -T          print a timestamp (seconds since the start)
--   -U          print the user id
--   -x          only failed opens
--   -e          print the open flags (O_WRONLY|O_CREAT...)
--   -p PID      only this process
--   -u UID      only this user
--   -n NAME     only commands whose name contains NAME
--   -d SECONDS  stop after SECONDS
--
-- Uses the syscalls tracepoints; the path is captured in the kernel at
-- entry, the result comes from the matching exit of the same thread.
--
-- Example output (luatrace opensnoop -e -n cat, while running cat /etc/hostname /nonexistent):
--   PID    COMM               FD ERR FLAGS                     PATH
--   27192  cat                 3   0 O_RDONLY|O_CLOEXEC        /etc/ld.so.cache
--   27192  cat                 3   0 O_RDONLY|O_CLOEXEC        /lib/x86_64-linux-gnu/libc.so.6
--   27192  cat                 3   0 O_RDONLY                  /etc/hostname
--   27192  cat                -1   2 O_RDONLY                  /nonexistent

local args = require("args")
local flags = require("flags")
local syscalls = require("syscalls")
local o = args.parse(arg, {T = "flag", U = "flag", x = "flag", e = "flag", p = "pid", u = "number", n = "string", d = "number"}, {})

local start

probe("BEGIN", function()
  if o.T then printf("%-9s ", "TIME(s)") end
  if o.U then printf("%-6s ", "UID") end
  printf("%-6s %-16s %4s %3s ", "PID", "COMM", "FD", "ERR")
  if o.e then printf("%-25s ", "FLAGS") end
  printf("PATH\n")
end)

local function enter(e)
  if o.n and not e.comm:find(o.n, 1, true) then return nil end
  return {syscalls.text(e, "path"), e.flags}
end

local function done(p, e)
  local fd, err = e.ret, 0
  if fd < 0 then fd, err = -1, -e.ret end
  if o.x and err == 0 then return end
  start = start or e.ts
  if o.T then printf("%-9.3f ", (e.ts - start) / 1e9) end
  if o.U then printf("%-6d ", e.uid) end
  printf("%-6d %-16s %4d %3d ", e.pid, e.comm, fd, err)
  if o.e then printf("%-25s ", flags.open(p[2])) end
  printf("%s\n", p[1])
end

for _, call in ipairs{"open", "openat", "openat2"} do
  local opts = {pid = o.p, fields = {path = "str(args.filename)", flags = "args.flags"}}
  if o.u then opts.filter = "uid == " .. o.u end
  if call == "openat2" then opts.fields.flags = "((struct open_how *)args.how)->flags" end
  -- open(2) does not exist on arm64, openat2 before 5.6.
  opts.optional = call ~= "openat"
  syscalls.pair(call, opts, enter, done)
end
if o.d then probe("interval:s:" .. o.d, function() exit() end) end
