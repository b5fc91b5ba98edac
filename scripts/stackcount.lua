-- stackcount: count the distinct stacks that lead to an event.
--
-- Usage: luatrace stackcount [-U] [-P] [-p PID] [-d SECONDS] EVENT
--   EVENT       a probe spec (tracepoint:sched:sched_switch,
--               uprobe:/bin/bash:readline) or a kernel function (kprobe)
--   -U          user stacks instead of kernel stacks
--   -P          one count per process name and stack
--   -p PID      only this process
--   -d SECONDS  stop after SECONDS (default: Ctrl-C or the -c command's exit)
--
-- Stacks and counts are kept in the kernel (no event per hit reaches
-- luatrace) and printed at the end, least frequent first, as bpftrace does.
--
-- Example output (luatrace -c ./getppid_loop stackcount tracepoint:syscalls:sys_enter_getppid):
--   @[
--       syscall_trace_enter+512
--       do_syscall_64+86
--       entry_SYSCALL_64_after_hwframe+118
--   ]: 1000

local o = require("args").parse(arg, {U = "flag", P = "flag", p = "number", d = "number"})
local event = o[1]
if event == nil or o[2] ~= nil then
  io.stderr:write("stackcount: give one EVENT whose stacks to count; see stackcount -h\n")
  exit(2)
end
if not event:find(":") then event = "kprobe:" .. event end

local key = {o.U and "ustack" or "kstack"}
if o.P then table.insert(key, 1, "comm") end
probe(event, {pid = o.p, into = map.count{key = key, name = ""}})

if o.d then
  probe("interval:s:" .. o.d, function() exit() end)
end
