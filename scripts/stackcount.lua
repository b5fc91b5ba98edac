-- stackcount: count the distinct stacks that lead to an event.
--
-- Usage: luatrace stackcount [-U] [-P] [-p PID] [-d SECONDS] [--call-graph fp|dwarf[,SIZE]|buildid]
--                            [-f [folded|pprof|svg]] EVENT
--   EVENT       a probe spec (tracepoint:sched:sched_switch,
--               uprobe:/bin/bash:readline) or a kernel function (kprobe)
--   -U          user stacks instead of kernel stacks
--   -P          one count per process name and stack
--   -p PID      only this process
--   -d SECONDS  stop after SECONDS (default: Ctrl-C or the -c command's exit)
--   --call-graph fp|dwarf[,SIZE]|buildid
--               how user stacks (-U) are walked, as perf's option: fp (the
--               default) follows frame pointers in the kernel; dwarf copies
--               SIZE bytes of stack (default 8192) per event and unwinds
--               them in luatrace with the binaries' CFI, through code
--               built without frame pointers; buildid follows frame
--               pointers, each frame as its file's build-id and offset,
--               named without reading the process
--   -f [FORMAT] folded (the default of -f): "frame;...;frame count" lines,
--               outermost first (the process name first with -P); pprof:
--               a profile for go tool pprof; svg: a flame graph. Send the
--               last two to a file: luatrace -o stacks.svg ...
--
-- Stacks and counts are kept in the kernel (no event per hit reaches
-- luatrace) and printed at the end, least frequent first, as bpftrace does.
-- With --call-graph dwarf or buildid every hit reaches luatrace to be
-- unwound or named and counted there; hits the event queue could not take
-- are reported at exit.
--
-- Example output (luatrace -c ./getppid_loop stackcount tracepoint:syscalls:sys_enter_getppid):
--   @[
--       syscall_trace_enter+512
--       do_syscall_64+86
--       entry_SYSCALL_64_after_hwframe+118
--   ]: 1000

local stacks = require("stacks")
local o = require("args").parse(arg, {U = "flag", P = "flag", p = "number", d = "number", f = stacks.formats, ["call-graph"] = "string"})
local event = o[1]
if event == nil or o[2] ~= nil then
  io.stderr:write("stackcount: give one EVENT whose stacks to count; see stackcount -h\n")
  exit(2)
end
if not event:find(":") then event = "kprobe:" .. event end
local mode, ustack = stacks.callgraph("stackcount", o["call-graph"])
local opts = {type = "count", unit = "count", title = "stackcount " .. event}

-- The timer starts when it is registered: after the probe, whose attach
-- may take a while.
local function stopAfterSeconds()
  if o.d then
    probe("interval:s:" .. o.d, function() exit() end)
  end
end

if o.U and mode ~= "fp" then
  -- Each hit carries the user registers and stack, or its build-id
  -- frames: unwound or named, and counted here.
  local counts = stacks.counter()
  probe(event, {pid = o.p, fields = {us = ustack}}, function(e)
    if o.f then
      counts:add(stacks.names(e.us, e.pid, o.P and {e.comm} or {}), 1)
    else
      counts:add({(o.P and e.comm .. ", " or "") .. stacks.lines(e.us)}, 1)
    end
  end)
  stopAfterSeconds()
  probe("END", function() counts:print(o.f, opts) end)
  return
end

local key = {o.U and "ustack" or "kstack"}
if o.P then table.insert(key, 1, "comm") end
local counts = map.count{key = key, name = ""}
probe(event, {pid = o.p, into = counts})
stopAfterSeconds()

if o.f then
  probe("END", function()
    local c = stacks.counter()
    for _, it in ipairs(counts:items()) do
      local k = it.key
      c:add(stacks.names(k[#k], nil, o.P and {k[1]} or {}), it.value)
    end
    c:print(o.f, opts)
    -- Printed in its format: an empty map is not printed again at exit.
    counts:clear()
  end)
end
