-- funccount: count the calls of every probe a pattern matches.
--
-- Usage: luatrace funccount [-p PID] [-i SECONDS] [-d SECONDS] PATTERN
--   PATTERN     a probe spec, with or without globs (uprobe:libc:malloc,
--               tracepoint:syscalls:sys_enter_*, uprobe:libc:str*), or a
--               kernel function (glob) for a kprobe
--   -p PID      only this process
--   -i SECONDS  print the counts of each interval of SECONDS
--   -d SECONDS  stop after SECONDS (default: Ctrl-C or the -c command's exit)
--
-- Counts are kept in the kernel, in one map keyed by the probe that fired,
-- so they are exact at any rate and no hit reaches Lua. Rows are printed
-- least frequent first, as bcc's funccount does; with -i, each interval's.
--
-- Example output (luatrace -c './syscalls 500' funccount 'tracepoint:syscalls:sys_enter_getp*'):
--   Tracing "tracepoint:syscalls:sys_enter_getp*"... Hit Ctrl-C to end.
--   FUNC                                               COUNT
--   tracepoint:syscalls:sys_enter_getpid                 500
--   tracepoint:syscalls:sys_enter_getppid                500

local o = require("args").parse(arg, {p = "pid", i = "number", d = "number"})
local pattern = o[1]
if pattern == nil or o[2] ~= nil then
  io.stderr:write("funccount: give one PATTERN of probes to count; see funccount -h\n")
  exit(2)
end
if not pattern:find(":") then pattern = "kprobe:" .. pattern end

-- totals() returns each probe's count since tracing began, by name.
local calls = map.count{key = "probe"}
probe(pattern, {pid = o.p, into = calls})
local function totals()
  local out = {}
  for _, it in ipairs(calls:items()) do out[it.key] = it.value end
  return out
end

local reported = {} -- name -> total at the last report

-- report prints the counts since the last report; with only_new, nothing
-- when there are none.
local function report(only_new)
  local names, delta = {}, {}
  for name, n in pairs(totals()) do
    delta[name] = n - (reported[name] or 0)
    reported[name] = n
    if delta[name] > 0 then names[#names + 1] = name end
  end
  if only_new and #names == 0 then return end
  table.sort(names, function(a, b)
    if delta[a] ~= delta[b] then return delta[a] < delta[b] end
    return a < b
  end)
  printf("%-50s %6s\n", "FUNC", "COUNT")
  for _, name in ipairs(names) do printf("%-50s %6d\n", name, delta[name]) end
end

probe("BEGIN", function() printf("Tracing %q... Hit Ctrl-C to end.\n", pattern) end)
if o.i then
  probe("interval:s:" .. o.i, function()
    printf("\n%s\n", strftime("%H:%M:%S")) -- the recording's time in a replay
    report()
  end)
end
if o.d then probe("interval:s:" .. o.d, function() exit() end) end
-- With -i the last interval already printed what END would, unless more came.
-- The map is emptied once printed, or it would print again at exit.
probe("END", function()
  report(o.i)
  calls:clear()
end)
