-- profile: sample stacks on every CPU at a fixed rate, for flame graphs.
--
-- Usage: luatrace profile [-F HZ] [-U | -K] [-p PID] [--call-graph fp|dwarf[,SIZE]|buildid]
--                         [-f [folded|pprof|svg]] [SECONDS]
--   -F HZ     samples per second per CPU (default 49)
--   -U        user stacks only
--   -K        kernel stacks only
--   -p PID    only this process
--   --call-graph fp|dwarf[,SIZE]|buildid
--             how user stacks are walked, as perf's option: fp (the
--             default) follows frame pointers in the kernel, which stops
--             at the first code built without them (most distributions'
--             binaries and libraries); dwarf copies the registers and SIZE
--             bytes of the user stack (default 8192) at each sample and
--             unwinds them in luatrace with the binaries' .eh_frame or
--             .debug_frame, through code with or without frame pointers;
--             buildid follows frame pointers too, each frame given by the
--             kernel as its file's build-id and offset, named without
--             reading the process (see "User stacks" in the README)
--   -f [FORMAT]
--             folded (the default of -f): one "comm;frame;...;frame count"
--             line per stack (outermost frame first, user then kernel
--             frames), the input of flamegraph.pl; pprof: a profile for
--             go tool pprof, speedscope or Grafana Pyroscope; svg: a flame
--             graph. Send the last two to a file: luatrace -o prof.pb.gz ...
--   SECONDS   stop after SECONDS (default: Ctrl-C or the -c command's exit)
--
-- With frame pointers, samples are counted in the kernel per (kernel
-- stack, user stack, process name); only the totals reach luatrace, at
-- the end. With --call-graph dwarf each sample reaches luatrace (about
-- 8 KiB each), which unwinds and counts it, and with --call-graph buildid
-- (32 bytes a frame) names and counts it; samples the event queue could
-- not take are reported at exit. User frames are named from the mappings
-- luatrace read when it first saw the process, so processes that exited
-- are symbolized too.
--
-- Example output (luatrace -c './busy 500' profile -U -f):
--   busy;_start;__libc_start_main;main 24
--   busy;_start;__libc_start_main;main;clock_gettime 1

local stacks = require("stacks")
local o = require("args").parse(arg, {F = "number", U = "flag", K = "flag", p = "number", f = stacks.formats, ["call-graph"] = "string"})
local hz, seconds = o.F or 49, o[1]
if hz < 1 or hz ~= math.floor(hz) then
  io.stderr:write("profile: -F needs a whole number of samples per second, got " .. tostring(hz) .. "; see profile -h\n")
  exit(2)
end
local mode, ustack = stacks.callgraph("profile", o["call-graph"])
local pprofOpts = {type = "samples", unit = "count", period = math.floor(1e9 / hz), period_type = "cpu", period_unit = "nanoseconds",
  title = "profile at " .. hz .. " Hz"}

-- The timer starts when it is registered: after the sampling probe, whose
-- attach may take a while, so that SECONDS are all sampled.
local function stopAfterSeconds()
  if seconds then
    probe("interval:s:" .. seconds, function() exit() end)
  end
end
if not o.f then
  probe("BEGIN", function()
    printf("Sampling at %d Hertz of %s stacks... Hit Ctrl-C to end.\n", hz, o.U and "user" or o.K and "kernel" or "all")
  end)
end

if mode ~= "fp" and not o.K then
  -- Each sample carries the user registers and stack (dwarf), or its
  -- build-id frames: unwound or named, and counted here, per (kernel
  -- stack, user stack, pid, process name).
  local fields = {us = ustack}
  if not o.U then fields.ks = "kstack" end
  local counts, texts = stacks.counter(), {}
  probe("profile:hz:" .. hz, {pid = o.p, fields = fields}, function(e)
    local frames = {e.comm}
    stacks.names(e.us, e.pid, frames)
    if not o.U then stacks.names(e.ks, nil, frames) end
    if o.f then
      counts:add(frames, 1)
    else
      -- bpftrace's layout of @[kstack, ustack, pid, comm]: count.
      local key = (o.U and "" or stacks.lines(e.ks) .. ", ") .. stacks.lines(e.us) .. ", " .. e.pid .. ", " .. e.comm
      counts:add({key}, 1)
    end
  end)
  stopAfterSeconds()
  probe("END", function() counts:print(o.f, pprofOpts) end)
  return
end

-- User frames are symbolized with the sampled pid (part of the key), while
-- the process still runs.
local key = {}
if not o.U then key[#key + 1] = "kstack" end
if not o.K then key[#key + 1] = "ustack" key[#key + 1] = "pid" end
key[#key + 1] = "comm"
local samples = map.count{key = key, name = ""}
probe("profile:hz:" .. hz, {pid = o.p, into = samples})
stopAfterSeconds()

if o.f then
  probe("END", function()
    local counts = stacks.counter()
    for _, it in ipairs(samples:items()) do
      local k = it.key
      local frames = {k[#k]}
      -- Key order: kernel stack, user stack and pid, comm.
      if not o.K then stacks.names(k[#k - 2], k[#k - 1], frames) end
      if not o.U then stacks.names(k[1], nil, frames) end
      counts:add(frames, it.value)
    end
    counts:print(o.f, pprofOpts)
    -- Printed in its format: an empty map is not printed again at exit.
    samples:clear()
  end)
end
