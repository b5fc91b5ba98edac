-- funccount: count the calls of every probe a pattern matches.
--
-- Usage: luatrace funccount [-p PID] [-i SECONDS] [-d SECONDS] PATTERN
--   PATTERN     a probe spec with globs (tracepoint:syscalls:sys_enter_*,
--               uprobe:libc:str*) or a kernel function glob (kprobe)
--   -p PID      only this process
--   -i SECONDS  print and reset the counts every SECONDS
--   -d SECONDS  stop after SECONDS (default: Ctrl-C or the -c command's exit)
--
-- Each hit sends an event without captured fields to luatrace, which
-- counts it under e.probe, the matched probe's own name; the counts are
-- printed least frequent first, as bcc's funccount does.
--
-- Example output (luatrace -c './syscalls 500' funccount 'tracepoint:syscalls:sys_enter_getp*'):
--   Tracing "tracepoint:syscalls:sys_enter_getp*"... Hit Ctrl-C to end.
--   FUNC                                               COUNT
--   tracepoint:syscalls:sys_enter_getpid                 500
--   tracepoint:syscalls:sys_enter_getppid                500

local o = require("args").parse(arg, {p = "number", i = "number", d = "number"})
local pattern = o[1]
if pattern == nil or o[2] ~= nil then
  io.stderr:write("funccount: give one PATTERN of probes to count; see funccount -h\n")
  exit(2)
end
if not pattern:find(":") then pattern = "kprobe:" .. pattern end

local counts = {}

local function report()
  local names = {}
  for name in pairs(counts) do names[#names + 1] = name end
  table.sort(names, function(a, b)
    if counts[a] ~= counts[b] then return counts[a] < counts[b] end
    return a < b
  end)
  printf("%-50s %6s\n", "FUNC", "COUNT")
  for _, name in ipairs(names) do printf("%-50s %6d\n", name, counts[name]) end
  counts = {}
end

probe(pattern, {pid = o.p}, function(e) counts[e.probe] = (counts[e.probe] or 0) + 1 end)

probe("BEGIN", function() printf("Tracing %q... Hit Ctrl-C to end.\n", pattern) end)
if o.i then
  probe("interval:s:" .. o.i, function()
    printf("\n%s\n", os.date("%H:%M:%S"))
    report()
  end)
end
if o.d then probe("interval:s:" .. o.d, function() exit() end) end
-- With -i the last interval already printed what END would.
probe("END", function() if not o.i or next(counts) then report() end end)
