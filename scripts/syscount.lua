-- syscount: count system calls, per call (bcc's default view) or per
-- process.
--
-- Usage:  luatrace syscount [-P] [-L [-m]] [-x | -e ERRNO] [-T TOP] [-d SECONDS]
--         luatrace syscount [SECONDS] [TOP]     (-d SECONDS -T TOP)
--         luatrace -c 'make -j2' syscount       (-p PID, -c CMD: only them)
--   -P          per process (PID and COMM) instead of per system call
--   -L          latency too: the time spent in each row's calls, TIME (us)
--   -m          with -L, milliseconds
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
-- and their number reported at exit. With -L each thread's entry is
-- stamped in the kernel and its exit measures the call (since()), so
-- calls are counted at their exit, and calls already under way when
-- tracing began are left out, as bcc does.
--
-- Example output (luatrace -c './getppid_loop 2000000' syscount -T 3):
--   Tracing syscalls, printing top 3... Hit Ctrl-C to end.
--   SYSCALL                   COUNT
--   getppid                 2000000
--   mmap                          8
--   newfstatat                    4
--   2000039 system calls

local syscalls = require("syscalls")
local o = require("args").parse(arg, {P = "flag", L = "flag", m = "flag", x = "flag", e = "string", T = "number", d = "number"}, {{"SECONDS", "number"}, {"TOP", "number"}})
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
local key = o.P and {"pid", "comm"} or "args.id"
local counts
if o.L then
  probe("tracepoint:raw_syscalls:sys_enter", {stamp = "entered[tid]"})
  event, counts = "sys_exit", map.stats{key = key, value = "since(entered[tid])", max = 4096}
else
  counts = map.count{key = key, max = 4096}
end
probe("tracepoint:raw_syscalls:" .. event, {filter = filter, into = counts})
local unit, divisor = "us", 1000
if o.m then unit, divisor = "ms", 1000000 end

probe("BEGIN", function()
  printf("Tracing syscalls, printing %s... Hit Ctrl-C to end.\n", top > 0 and "top " .. top or "all")
end)
if seconds then
  probe("interval:s:" .. seconds, function() exit() end)
end

probe("END", function()
  -- Rows busiest first, as bcc lists them: {name..., count, ns}.
  local rows, total = {}, 0
  for _, it in ipairs(counts:items()) do
    local n, ns = it.value, 0
    if o.L then n, ns = it.value.count, it.value.total end
    local name = o.P and string.format("%-6d %-15s", it.key[1], it.key[2]) or string.format("%-22s", syscalls.name(it.key))
    rows[#rows + 1] = {name = name, count = n, ns = ns}
    total = total + n
  end
  table.sort(rows, function(a, b)
    if a.count ~= b.count then return a.count > b.count end
    return a.name < b.name
  end)
  local head = o.P and string.format("%-6s %-15s", "PID", "COMM") or string.format("%-22s", "SYSCALL")
  local time = o.L and string.format(" %16s", "TIME (" .. unit .. ")") or ""
  printf("%s %8s%s\n", head, "COUNT", time)
  for i = 1, (top > 0 and math.min(top, #rows) or #rows) do
    local r = rows[i]
    printf("%s %8d%s\n", r.name, r.count, o.L and string.format(" %16.3f", r.ns / divisor) or "")
  end
  printf("%d system calls\n", total)
  -- Printed in bcc's layout: an empty map is not printed again at exit.
  counts:clear()
end)
