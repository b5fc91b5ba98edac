-- offcputime: where threads block — total time off the CPU per kernel
-- stack and command, from the moment a thread leaves the CPU to the
-- moment it runs again.
--
-- Usage: luatrace offcputime [-p PID] [-f [folded|pprof|svg]] [-m MIN_US] [-d SECONDS]
--                            [--call-graph fp|dwarf[,SIZE]]
--   -p PID      only this thread (its pid; the main thread of a process)
--   -f [FORMAT] folded (the default of -f) for flame graphs:
--               comm;outer;...;inner usecs; pprof: a profile for go tool
--               pprof; svg: a flame graph (send both to a file with -o)
--   --call-graph fp|dwarf[,SIZE]
--               add the user stack, walked as perf's option says: fp
--               follows frame pointers in the kernel; dwarf copies SIZE
--               bytes of stack (default 8192) per switch and unwinds them
--               in luatrace with the binaries' CFI
--   -m MIN_US   leave out stacks blocked for less than MIN_US in all
--   -d SECONDS  stop after SECONDS
--
-- The kernel stack is captured at sched_switch in the thread that leaves;
-- the wait ends at the sched_switch that puts it back. Pairing by thread id
-- is done in Lua (every context switch is an event; past the event queue,
-- switches are dropped and luatrace reports how many at exit); the idle
-- task is left out, and so are threads still off the CPU when tracing
-- stops.
--
-- Example output (luatrace offcputime -p 2657 -d 3, while bursts 10 0 20 napped 10 x 20 ms):
--   Tracing off-CPU time (us) by kernel stack... Hit Ctrl-C to end.
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
local o = require("args").parse(arg, {p = "number", f = stacks.formats, m = "number", d = "number", ["call-graph"] = "string"})
local _, ustack = stacks.callgraph("offcputime", o["call-graph"])
local fields = {ks = "kstack"}
if o["call-graph"] then fields.us = ustack end
if o[1] ~= nil then
  io.stderr:write("offcputime: takes no positional argument (got '" .. tostring(o[1]) .. "'); see offcputime -h\n")
  exit(2)
end

local away = {}   -- tid -> {ts, key} since it left the CPU
local totals = {} -- key -> {us, frames, comm, pid}

local function frames(st)
  local out = {}
  for i = 1, #st do out[i] = st[i].sym or string.format("0x%x", st[i].addr) end
  return out
end

probe("tracepoint:sched:sched_switch", {fields = fields, filter = sched.switch_filter(o.p)}, function(e)
  local a = e.args
  if a.prev_pid ~= 0 and (not o.p or e.pid == o.p) then
    local fr = frames(e.ks)
    local ufr = fields.us and frames(e.us) or {}
    local key = e.comm .. "\0" .. table.concat(fr, "\0") .. "\0\0" .. table.concat(ufr, "\0")
    if not totals[key] then totals[key] = {us = 0, frames = fr, user = ufr, comm = e.comm, pid = e.pid} end
    away[a.prev_pid] = {ts = e.ts, key = key}
  end
  local w = away[a.next_pid]
  if w then
    away[a.next_pid] = nil
    local t = totals[w.key]
    t.us = t.us + math.floor((e.ts - w.ts) / 1000)
  end
end)

probe("BEGIN", function()
  -- Load the kernel's symbols now, not in the first event's callback
  -- (0.6 s on a busy machine): a Ctrl-C gives queued events only 0.5 s.
  ksym(kaddr("schedule"))
  if not o.f then print("Tracing off-CPU time (us) by kernel stack... Hit Ctrl-C to end.") end
end)
if o.d then probe("interval:s:" .. o.d, function() exit() end) end

probe("END", function()
  local list = {}
  for _, t in pairs(totals) do
    if t.us > 0 and t.us >= (o.m or 0) then list[#list + 1] = t end
  end
  table.sort(list, function(x, y) return x.us < y.us end)
  if o.f then
    -- Outermost first: the command, user frames, kernel frames.
    local samples = {}
    for _, t in ipairs(list) do
      local rev = {t.comm}
      for i = #t.user, 1, -1 do rev[#rev + 1] = t.user[i] end
      for i = #t.frames, 1, -1 do rev[#rev + 1] = t.frames[i] end
      samples[#samples + 1] = {frames = rev, value = t.us}
    end
    stacks.write(o.f, samples, {type = "offcpu", unit = "microseconds", title = "Off-CPU time"})
    return
  end
  for _, t in ipairs(list) do
    for _, f in ipairs(t.frames) do printf("    %s\n", f) end
    if #t.user > 0 then
      printf("    --\n")
      for _, f in ipairs(t.user) do printf("    %s\n", f) end
    end
    printf("    %-16s %s (%d)\n        %d\n\n", "-", t.comm, t.pid, t.us)
  end
end)
