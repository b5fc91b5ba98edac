-- oomkill: trace the out-of-memory killer: who triggered it, who was
-- killed, how much memory the victim had.
--
-- Usage: luatrace oomkill [-d SECONDS]
--   -d SECONDS  stop after SECONDS
--
-- Attaches to oom:mark_victim, which fires in the task that ran the OOM
-- killer (the trigger) and names the victim. Kernels before 6.8 give only
-- the victim's pid; then its name is read from /proc while it dies.
--
-- Example output (a memory hog in a 32 MiB cgroup):
--   Tracing OOM kills... Hit Ctrl-C to end.
--   09:34:37 Triggered by PID 31983 ("hog"), OOM kill of PID 31983 ("hog"), total_vm 35372 kB, rss 33620 kB, loadavg: 0.82 1.09 0.69

local args = require("args")
local proc = require("proc")
local o = args.parse(arg, {d = "number"}, {})

alias("oom:victim", {
  doc = "the OOM killer chose a victim: victim (pid), total_vm and rss (kB) where the kernel tells (6.8+)",
  try = {
    {"tracepoint:oom:mark_victim", fields = {victim = "args.pid", total_vm = "args.total_vm",
      rss = "args.anon_rss + args.file_rss + args.shmem_rss"}},
    {"tracepoint:oom:mark_victim", fields = {victim = "args.pid"}},
  },
})

local function loadavg()
  local f = io.open("/proc/loadavg")
  if not f then return "?" end
  local l = f:read("*l")
  f:close()
  return l:match("^(%S+ %S+ %S+)")
end

probe("BEGIN", function() print("Tracing OOM kills... Hit Ctrl-C to end.") end)
probe("oom:victim", function(e)
  local vcomm = (e.total_vm and e.args.comm) or proc.comm(e.victim) or "?"
  local size = ""
  if e.total_vm then size = string.format(", total_vm %d kB, rss %d kB", e.total_vm, e.rss) end
  printf("%s Triggered by PID %d (%q), OOM kill of PID %d (%q)%s, loadavg: %s\n", strftime("%H:%M:%S", e.ts),
    e.pid, e.comm, e.victim, vcomm, size, loadavg())
end)
if o.d then probe("interval:s:" .. o.d, function() exit() end) end
