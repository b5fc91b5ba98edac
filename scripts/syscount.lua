-- syscount: which processes make the most system calls.
--
-- Usage:  luatrace syscount [SECONDS] [TOP]
--         luatrace -c 'make -j2' syscount
--
-- Counts raw_syscalls:sys_enter events per process name in Lua, for
-- SECONDS (default: until Ctrl-C or the -c command exits), then prints the
-- TOP (default 10) busiest processes in bpftrace's map layout.
--
-- Example output:
--   @syscalls[sshd]: 212
--   @syscalls[luatrace]: 1380
--   @syscalls[make]: 40211
--   41803 system calls

local top = require("top")
local o = require("args").parse(arg, {})
local seconds, n = tonumber(o[1]), tonumber(o[2]) or 10
local counts, total = {}, 0

probe("tracepoint:raw_syscalls:sys_enter", function(e)
  top.add(counts, e.comm)
  total = total + 1
end)

if seconds then
  probe("interval:s:" .. seconds, function() exit() end)
end

probe("END", function()
  top.print(counts, {n = n, name = "syscalls"})
  printf("%d system calls\n", total)
end)
