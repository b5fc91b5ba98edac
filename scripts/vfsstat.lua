-- vfsstat: count VFS calls (read, write, fsync, open, create) per interval.
--
-- Usage: luatrace vfsstat [-p PID] [-i SECONDS] [COUNT]
--   -p PID      only this process
--   -i SECONDS  interval between lines (default 1)
--   COUNT       stop after COUNT lines
--
-- Uses the vfs library's probe aliases: fentry or kprobe on the vfs_*
-- functions where the kernel allows it, else the system call tracepoints
-- that lead there, open(2), openat(2) and openat2(2) for OPEN (-v says
-- which). The kernel counts each call (exact at any rate); each line is
-- the counts since the last divided by the interval, as bcc's vfsstat
-- does; at the end the last, partial interval is printed too (so with
-- -i 1 the columns of all lines add up to the calls made).
--
-- Example output (tracepoint fallback; luatrace -c 'dd if=/dev/zero of=/dev/null count=2000' vfsstat):
--   TIME        READ/s  WRITE/s  FSYNC/s   OPEN/s CREATE/s
--   09:33:47:      2005     2003        0       35        0

local args = require("args")
local vfs = require("vfs")
local o = args.parse(arg, {p = "pid", i = "number"}, {{"COUNT", "number"}})
local interval, count = o.i or 1, o[1]

local calls, shown, lines = {}, {}, 0 -- name -> kernel count, count at the last line
for _, c in ipairs(vfs.calls) do
  local name = c[1]
  calls[name], shown[name] = map.count{}, 0
  -- creat(2) does not exist everywhere (arm64): optional.
  probe("vfs:" .. name, {pid = o.p, optional = name == "create", into = calls[name]})
end

-- since returns the calls of name since the last line, and moves the mark.
local function since(name)
  local now = calls[name]:get() or 0
  local n = now - shown[name]
  shown[name] = now
  return n
end

local function report()
  printf("%-8s: ", strftime("%H:%M:%S"))
  for _, c in ipairs(vfs.calls) do
    printf(" %8d", math.floor(since(c[1]) / interval + 0.5))
  end
  printf("\n")
  lines = lines + 1
  if count and lines >= count then exit() end
end

probe("BEGIN", function()
  printf("%-8s  %8s %8s %8s %8s %8s\n", "TIME", "READ/s", "WRITE/s", "FSYNC/s", "OPEN/s", "CREATE/s")
end)
probe("interval:s:" .. interval, report)
probe("END", function()
  for _, c in ipairs(vfs.calls) do
    if (calls[c[1]]:get() or 0) > shown[c[1]] then report() break end
  end
  -- Printed as lines: the maps are not printed again at exit.
  for _, m in pairs(calls) do m:clear() end
end)
