-- exitsnoop: trace process exits, with their age and exit code or signal.
--
-- Usage: luatrace exitsnoop [-t] [-x] [-T] [-p PID] [-d SECONDS]
--   -t          print a timestamp (HH:MM:SS)
--   -x          only exits with a non-zero code or a signal
--   -T          every thread's exit, not only whole processes
--   -p PID      only this process
--   -d SECONDS  stop after SECONDS
--
-- Attaches to sched:sched_process_exit and reads the exiting task's
-- exit_code, start_time and parent in the kernel (curtask, via BTF).
--
-- Example output (luatrace exitsnoop -t):
--   TIME     PCOMM            PID     PPID    TID     AGE(s)  EXIT_CODE
--   09:31:38 sleep            28588   28512   28588   1.00    0
--   09:31:38 sh               28658   28512   28658   0.00    code 3
--   09:38:37 sh               6692    6635    6692    1.01    signal 15 (SIGTERM)

local args = require("args")
local signals = require("signals")
local o = args.parse(arg, {t = "flag", x = "flag", T = "flag", p = "pid", d = "number"}, {})

local opts = {fields = {
  code = "curtask->exit_code",
  ppid = "curtask->real_parent->tgid",
  start = "curtask->start_time",
}}
if o.p then opts.pid = o.p end
if o.x then opts.filter = "curtask->exit_code != 0" end

probe("BEGIN", function()
  if o.t then printf("%-8s ", "TIME") end
  printf("%-16s %-7s %-7s %-7s %-7s %s\n", "PCOMM", "PID", "PPID", "TID", "AGE(s)", "EXIT_CODE")
end)

probe("tracepoint:sched:sched_process_exit", opts, function(e)
  if not o.T and e.pid ~= e.tid then return end
  -- exit_code is the wait(2) status: exit code in bits 8-15, signal in 0-6.
  local sig, code = e.code % 128, math.floor(e.code / 256) % 256
  local how = tostring(code)
  if sig ~= 0 then
    how = string.format("signal %d (%s)", sig, signals.name(sig) or "?")
  elseif code ~= 0 then
    how = "code " .. code
  end
  if o.t then printf("%-8s ", strftime("%H:%M:%S", e.ts)) end
  printf("%-16s %-7d %-7d %-7d %-7.2f %s\n", e.comm, e.pid, e.ppid, e.tid, (e.ts - e.start) / 1e9, how)
end)
if o.d then probe("interval:s:" .. o.d, function() exit() end) end
