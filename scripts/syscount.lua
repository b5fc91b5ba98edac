-- syscount: count system calls, per call (bcc's default view) or per
-- process.
--
-- Usage:  luatrace syscount [-P] [-x | -e ERRNO] [-T TOP] [-d SECONDS]
--         luatrace syscount [SECONDS] [TOP]     (-d SECONDS -T TOP)
--         luatrace -c 'make -j2' syscount       (-p PID, -c CMD: only them)
--   -P          per process (PID and COMM) instead of per system call
--   -x          only failed calls
--   -e ERRNO    only calls that failed with ERRNO (ENOENT, or its number)
--   -T TOP      show the TOP busiest rows (default 10; 0 shows all)
--   -d SECONDS  stop after SECONDS (default: Ctrl-C or the -c command's exit)
--
-- raw_syscalls:sys_enter (sys_exit with -x and -e, which see the result)
-- is counted in the kernel, by a map keyed by the call's number or by pid
-- and comm: no event leaves the kernel, so the counts are exact at any
-- rate. The last line is the total over all rows, shown or not. System
-- calls are named as their syscalls tracepoints are (newstat for stat);
-- "syscall NR" where no name is known (architectures other than x86-64).
-- A map holds 4096 keys; with -P, calls of further processes are dropped
-- and their number reported at exit. Not there yet: bcc's -L (latency),
-- which needs the kernel to pair each call's entry with its exit.
--
-- Example output (luatrace -c './getppid_loop 2000000' syscount -T 3):
--   Tracing syscalls, printing top 3... Hit Ctrl-C to end.
--   SYSCALL                   COUNT
--   getppid                 2000000
--   mmap                          8
--   newfstatat                    4
--   2000039 system calls

local syscalls = require("syscalls")
local o = require("args").parse(arg, {P = "flag", x = "flag", e = "string", T = "number", d = "number"})
local seconds, top = o.d or tonumber(o[1]), o.T or tonumber(o[2]) or 10

local event, filter = "sys_enter", nil
if o.e then
  local n = tonumber(o.e) or require("errno").number(o.e)
  if n == nil then
    io.stderr:write("syscount: -e needs an error name such as ENOENT or a number, got '" .. o.e .. "'; see syscount -h\n")
    exit(2)
  end
  event, filter = "sys_exit", "args.ret == -" .. math.abs(n)
elseif o.x then
  event, filter = "sys_exit", "args.ret < 0"
end
local counts = map.count{key = o.P and {"pid", "comm"} or "args.id", max = 4096}
probe("tracepoint:raw_syscalls:" .. event, {filter = filter, into = counts})

probe("BEGIN", function()
  printf("Tracing syscalls, printing %s... Hit Ctrl-C to end.\n", top > 0 and "top " .. top or "all")
end)
if seconds then
  probe("interval:s:" .. seconds, function() exit() end)
end

probe("END", function()
  local items, total = counts:items(), 0
  for _, it in ipairs(items) do total = total + it.value end
  if o.P then
    printf("%-6s %-15s %8s\n", "PID", "COMM", "COUNT")
  else
    printf("%-22s %8s\n", "SYSCALL", "COUNT")
  end
  -- items() is smallest first; bcc lists the busiest first.
  local last = top > 0 and math.max(#items - top + 1, 1) or 1
  for i = #items, last, -1 do
    local it = items[i]
    if o.P then
      printf("%-6d %-15s %8d\n", it.key[1], it.key[2], it.value)
    else
      printf("%-22s %8d\n", syscalls.name(it.key), it.value)
    end
  end
  printf("%d system calls\n", total)
  -- Printed in bcc's layout: an empty map is not printed again at exit.
  counts:clear()
end)
