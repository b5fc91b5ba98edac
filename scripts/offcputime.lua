-- offcputime: where threads block — total time off the CPU per stack and
-- command, from the moment a thread leaves the CPU to the moment it runs
-- again, as bcc's offcputime.
--
-- Usage: luatrace offcputime [-p PID | -t TID | -u | -k] [-U | -K] [-f [FORMAT]]
--                            [-m MIN_US] [-M MAX_US] [-d SECONDS | SECONDS]
--                            [--call-graph fp|dwarf[,SIZE]|buildid]
--   -p PID      only this process (its threads)
--   -t TID      only this thread
--   -u          only user threads (no kernel threads)
--   -k          only kernel threads
--   -U          user stacks only
--   -K          kernel stacks only
--   -f [FORMAT] folded (the default of -f) for flame graphs: comm;user
--               frames;-;kernel frames usecs, outermost frame first;
--               pprof: a profile for go tool pprof; svg: a flame graph
--               (send both to a file with -o)
--   -m MIN_US   leave out blocks shorter than MIN_US (default 1)
--   -M MAX_US   leave out blocks longer than MAX_US
--   -d SECONDS, SECONDS  stop after SECONDS (default: Ctrl-C)
--   --call-graph fp|dwarf[,SIZE]|buildid
--               how user stacks are walked, as perf's option: fp (the
--               default) follows frame pointers in the kernel; dwarf copies
--               SIZE bytes of stack (default 8192) per switch and unwinds
--               them in luatrace with the binaries' CFI; buildid follows
--               frame pointers, each frame as its file's build-id and
--               offset, named without reading the process
--
-- At sched_switch the thread that leaves is stamped in the kernel with its
-- stacks, command and pid; at the sched_switch that puts it back, the time
-- since then (µs) is added in a kernel map under what the stamp saved, so
-- no context switch reaches Lua and the totals are exact at any switch
-- rate. Each block is measured alone and kept when it lasts MIN_US to
-- MAX_US. Threads leaving the CPU to exit, the idle tasks and threads
-- still off the CPU when tracing stops are left out. Stacks are listed
-- kernel frames first, then "--", then user frames (bcc's -d layout).
--
-- With --call-graph dwarf or buildid the user stack is unwound or named in
-- luatrace, so it cannot be a kernel map key: each switch-out then sends its stacks to
-- luatrace and the pairing is done there (past the event queue switches
-- are dropped, and luatrace reports how many at exit).
--
-- Example output (luatrace offcputime -K -p 2657 -d 3, while bursts 10 0 20 napped 10 x 20 ms):
--   Tracing off-CPU time (us) by kernel stack... Hit Ctrl-C to end.
--       __traceiter_sched_switch
--       __schedule
--       schedule
--       do_nanosleep
--       hrtimer_nanosleep
--       common_nsleep
--       __x64_sys_clock_nanosleep
--       do_syscall_64
--       entry_SYSCALL_64_after_hwframe
--       -                bursts (2657)
--           204721

local sched = require("sched")
local stacks = require("stacks")
local o = require("args").parse(arg, {p = "number", t = "number", u = "flag", k = "flag", U = "flag", K = "flag",
  f = stacks.formats, m = "number", M = "number", d = "number", ["call-graph"] = "string"})
local callgraph, ustack = stacks.callgraph("offcputime", o["call-graph"])
local function usage(msg)
  io.stderr:write("offcputime: " .. msg .. "; see offcputime -h\n")
  exit(2)
end
if o[2] ~= nil or (o[1] ~= nil and type(o[1]) ~= "number") then usage("takes one positional argument, SECONDS") end
local seconds = o.d or o[1]
local picked = 0
for _, set in ipairs({o.p, o.t, o.u, o.k}) do if set then picked = picked + 1 end end
if picked > 1 then usage("-p, -t, -u and -k exclude each other") end
if o.U and o.K then usage("-U and -K exclude each other") end

-- The thread leaving the CPU is the current task at sched_switch: pid,
-- comm, curtask and the stacks are its own.
local PF_KTHREAD = 0x00200000
local leaving = {"args.prev_pid != 0", "!(" .. sched.EXITING .. ")"}
if o.p then leaving[#leaving + 1] = "pid == " .. o.p end
if o.t then leaving[#leaving + 1] = "args.prev_pid == " .. o.t end
if o.u then leaving[#leaving + 1] = string.format("(curtask->flags & %d) == 0", PF_KTHREAD) end
if o.k then leaving[#leaving + 1] = string.format("(curtask->flags & %d) != 0", PF_KTHREAD) end

local back = "away[args.next_pid]"
local us = "since(" .. back .. ") / 1000"
local within = us .. " >= " .. (o.m or 1)
if o.M then within = within .. " && " .. us .. " <= " .. o.M end

-- Blocks as they are printed: rows of {ks, us (frames, innermost first),
-- comm, pid, value}, least first.
local rows
if callgraph == "fp" then
  local saved, key = {"away[args.prev_pid]", "comm", "pid"}, {}
  if not o.U then saved[#saved + 1] = "kstack" key[#key + 1] = back .. ".kstack" end
  if not o.K then saved[#saved + 1] = "ustack" key[#key + 1] = back .. ".ustack" end
  key[#key + 1] = back .. ".comm"
  key[#key + 1] = back .. ".pid"
  local offcpu = map.sum{name = "", key = key, value = us, max = 16384}
  probe("tracepoint:sched:sched_switch", {filter = sched.both(unpack(leaving)), stamp = saved})
  -- Under -c/-p the pid filter tests the thread taking the CPU (option task).
  probe("tracepoint:sched:sched_switch", {filter = within, into = offcpu, task = "args.next_pid"})
  rows = function()
    local out = {}
    for _, it in ipairs(offcpu:items()) do
      local k, n = it.key, 1
      local row = {value = it.value}
      if not o.U then row.ks = stacks.frames(k[n]) n = n + 1 end
      if not o.K then row.us = stacks.frames(k[n], k[n + 2]) n = n + 1 end
      row.comm, row.pid = k[n], k[n + 1]
      out[#out + 1] = row
    end
    -- Printed here: an empty map is not printed again at exit.
    offcpu:clear()
    return out
  end
else
  -- The kernel still times each block (the stamp) and sends only the
  -- switch-ins that end one of MIN_US to MAX_US; the stacks come with the
  -- switch-out event, the time between the two events' timestamps.
  local fields = {}
  if not o.U then fields.ks = "kstack" end
  if not o.K then fields.us = ustack end
  local pending, totals, list = {}, {}, {}
  probe("tracepoint:sched:sched_switch", {filter = sched.both(unpack(leaving)), stamp = "away[args.prev_pid]", fields = fields},
    function(e)
      -- Only the captured stacks: reading another field is an error.
      pending[e.args.prev_pid] = {ts = e.ts, ks = fields.ks and stacks.frames(e.ks), us = fields.us and stacks.frames(e.us, e.pid),
        comm = e.comm, pid = e.pid}
    end)
  probe("tracepoint:sched:sched_switch", {filter = within, task = "args.next_pid"}, function(e)
    local w = pending[e.args.next_pid]
    if not w then return end
    pending[e.args.next_pid] = nil
    local key = w.comm .. "\0" .. w.pid .. "\0" .. table.concat(w.ks or {}, "\0") .. "\0\0" .. table.concat(w.us or {}, "\0")
    local row = totals[key]
    if not row then
      row = {ks = w.ks, us = w.us, comm = w.comm, pid = w.pid, value = 0}
      totals[key] = row
      list[#list + 1] = row
    end
    row.value = row.value + math.floor((e.ts - w.ts) / 1000)
  end)
  rows = function()
    table.sort(list, function(x, y) return x.value < y.value end)
    return list
  end
end

probe("BEGIN", function()
  -- Load the kernel's symbols now rather than at the end.
  local schedule = kaddr("schedule") -- nil in a replay without the kernel's symbols
  if schedule then ksym(schedule) end
  if not o.f then
    local what = o.U and "user" or o.K and "kernel" or "user and kernel"
    printf("Tracing off-CPU time (us) by %s stack... Hit Ctrl-C to end.\n", what)
  end
end)
if seconds then probe("interval:s:" .. seconds, function() exit() end) end

probe("END", function()
  local list = rows()
  if o.f then
    -- Outermost first: the command, user frames, "-", kernel frames.
    local samples = {}
    for _, r in ipairs(list) do
      local line = {r.comm}
      for i = #(r.us or {}), 1, -1 do line[#line + 1] = r.us[i] end
      if r.ks and r.us then line[#line + 1] = "-" end
      for i = #(r.ks or {}), 1, -1 do line[#line + 1] = r.ks[i] end
      samples[#samples + 1] = {frames = line, value = r.value}
    end
    stacks.write(o.f, samples, {type = "offcpu", unit = "microseconds", title = "Off-CPU time"})
    return
  end
  for _, r in ipairs(list) do
    for _, f in ipairs(r.ks or {}) do printf("    %s\n", f) end
    if r.ks and r.us then printf("    --\n") end
    for _, f in ipairs(r.us or {}) do printf("    %s\n", f) end
    printf("    %-16s %s (%d)\n        %d\n\n", "-", r.comm, r.pid, r.value)
  end
end)
