-- offcputime: where threads block — total time off the CPU per stack and
-- command, from the moment a thread leaves the CPU to the moment it runs
-- again, as bcc's offcputime.
--
-- Usage: luatrace offcputime [-p PID | -t TID | -u | -k] [-U | -K] [-f]
--                            [-m MIN_US] [-M MAX_US] [-d SECONDS | SECONDS]
--   -p PID      only this process (its threads)
--   -t TID      only this thread
--   -u          only user threads (no kernel threads)
--   -k          only kernel threads
--   -U          user stacks only
--   -K          kernel stacks only
--   -f          folded output for flame graphs: comm;user frames;-;kernel
--               frames usecs, outermost frame first
--   -m MIN_US   leave out blocks shorter than MIN_US (default 1)
--   -M MAX_US   leave out blocks longer than MAX_US
--   -d SECONDS, SECONDS  stop after SECONDS (default: Ctrl-C)
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
local o = require("args").parse(arg, {p = "number", t = "number", u = "flag", k = "flag", U = "flag", K = "flag",
  f = "flag", m = "number", M = "number", d = "number"})
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

local saved, key = {"away[args.prev_pid]", "comm", "pid"}, {}
local back = "away[args.next_pid]"
if not o.U then saved[#saved + 1] = "kstack" key[#key + 1] = back .. ".kstack" end
if not o.K then saved[#saved + 1] = "ustack" key[#key + 1] = back .. ".ustack" end
key[#key + 1] = back .. ".comm"
key[#key + 1] = back .. ".pid"

local us = "since(" .. back .. ") / 1000"
local within = us .. " >= " .. (o.m or 1)
if o.M then within = within .. " && " .. us .. " <= " .. o.M end
local offcpu = map.sum{name = "", key = key, value = us, max = 16384}

probe("tracepoint:sched:sched_switch", {filter = sched.both(unpack(leaving)), stamp = saved})
probe("tracepoint:sched:sched_switch", {filter = within, into = offcpu})

probe("BEGIN", function()
  -- Load the kernel's symbols now rather than at the end.
  ksym(kaddr("schedule"))
  if not o.f then
    local what = o.U and "user" or o.K and "kernel" or "user and kernel"
    printf("Tracing off-CPU time (us) by %s stack... Hit Ctrl-C to end.\n", what)
  end
end)
if seconds then probe("interval:s:" .. seconds, function() exit() end) end

-- frames lists a stack's symbols innermost first: the user symbol in
-- process pid for user stacks, else the address.
local function frames(st, pid)
  local out = {}
  for i = 1, #st do
    local f = st[i]
    out[i] = f.sym or (pid and usym(pid, f.addr)) or hex(f.addr)
  end
  return out
end

probe("END", function()
  for _, it in ipairs(offcpu:items()) do
    local k, n = it.key, 1
    local ks, ustk
    if not o.U then ks = frames(k[n]) n = n + 1 end
    if not o.K then ustk = frames(k[n], k[n + 2]) n = n + 1 end
    local comm, pid = k[n], k[n + 1]
    if o.f then
      local line = {comm}
      for i = #(ustk or {}), 1, -1 do line[#line + 1] = ustk[i] end
      if ks and ustk then line[#line + 1] = "-" end
      for i = #(ks or {}), 1, -1 do line[#line + 1] = ks[i] end
      printf("%s %d\n", table.concat(line, ";"), it.value)
    else
      for _, f in ipairs(ks or {}) do printf("    %s\n", f) end
      if ks and ustk then printf("    --\n") end
      for _, f in ipairs(ustk or {}) do printf("    %s\n", f) end
      printf("    %-16s %s (%d)\n        %d\n\n", "-", comm, pid, it.value)
    end
  end
  -- Printed here: an empty map is not printed again at exit.
  offcpu:clear()
end)
