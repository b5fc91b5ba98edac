-- funclatency: time a function's calls and show the latencies as a histogram.
--
-- Usage: luatrace funclatency [-u | -m] [-p PID] [-d SECONDS] FUNCTION
--   FUNCTION    a kernel function (do_sys_openat2), a user function as
--               PATH:SYMBOL (/usr/lib/x86_64-linux-gnu/libc.so.6:malloc),
--               or a full kprobe:/uprobe: spec
--   -u          microseconds (default: nanoseconds)
--   -m          milliseconds
--   -p PID      only this process
--   -d SECONDS  stop after SECONDS (default: Ctrl-C or the -c command's exit)
--
-- A kretprobe or uretprobe paired with its entry gives each call's
-- duration; the histogram and the count/average/total are kept in the
-- kernel (no event per call reaches luatrace) and printed at the end.
--
-- Example output (luatrace -c './naps 5 20' funclatency -m ./naps:lt_nap):
--   Tracing uretprobe:./naps:lt_nap... Hit Ctrl-C to end.
--
--   @msecs:
--   [16, 32)               5 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
--
--   @msecs_stats: count 5, average 20, total 100

local o = require("args").parse(arg, {u = "flag", m = "flag", p = "pid", d = "number"})
local target = o[1]
if target == nil or o[2] ~= nil then
  io.stderr:write("funclatency: give one FUNCTION to time; see funclatency -h\n")
  exit(2)
end

-- Return probe of the function: entry kinds map to their return kinds.
local returns = {kprobe = "kretprobe", uprobe = "uretprobe", kretprobe = "kretprobe", uretprobe = "uretprobe"}
local spec
local kind, rest = target:match("^(%a+):(.+)$")
if kind and returns[kind] then
  spec = returns[kind] .. ":" .. rest
elseif target:find(":") then
  spec = "uretprobe:" .. target
else
  spec = "kretprobe:" .. target
end

local unit, divisor = "nsecs", 1
if o.m then
  unit, divisor = "msecs", 1000000
elseif o.u then
  unit, divisor = "usecs", 1000
end
local value = divisor == 1 and "duration" or ("duration / " .. divisor)

local latency = map.hist{value = value, name = unit}
local summary = map.stats{value = value, name = unit .. "_stats"}
probe(spec, {pid = o.p, into = {latency, summary}})

probe("BEGIN", function() printf("Tracing %s... Hit Ctrl-C to end.\n", spec) end)
if o.d then
  probe("interval:s:" .. o.d, function() exit() end)
end
