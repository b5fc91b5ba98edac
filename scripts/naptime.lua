-- naptime: show voluntary sleeps (nanosleep, clock_nanosleep) with the
-- requested duration and who asked.
--
-- Usage: luatrace naptime [-p PID] [-d SECONDS]
--   -p PID      only this process
--   -d SECONDS  stop after SECONDS
--
-- The requested time is read from the caller's struct timespec in the
-- kernel at entry; the parent comes from the task (curtask->real_parent).
--
-- Example output (luatrace -c 'sleep 0.25' naptime):
--   TIME     PPID   PCOMM            PID    COMM             SECONDS
--   09:32:21 29717  luatrace         29722  sleep            0.250

local args = require("args")
local o = args.parse(arg, {p = "pid", d = "number"}, {})

probe("BEGIN", function()
  printf("%-8s %-6s %-16s %-6s %-16s %s\n", "TIME", "PPID", "PCOMM", "PID", "COMM", "SECONDS")
end)

local function fields(rqtp)
  local ts = "((struct __kernel_timespec *)args." .. rqtp .. ")"
  return {
    sec = ts .. "->tv_sec", nsec = ts .. "->tv_nsec",
    ppid = "curtask->real_parent->tgid", pcomm = "str(curtask->real_parent->comm)",
  }
end

local function show(e)
  printf("%-8s %-6d %-16s %-6d %-16s %d.%03d\n", strftime("%H:%M:%S", e.ts), e.ppid, e.pcomm, e.pid, e.comm,
    e.sec, math.floor(e.nsec / 1e6))
end

probe("tracepoint:syscalls:sys_enter_nanosleep", {pid = o.p, fields = fields("rqtp"), optional = true}, show)
probe("tracepoint:syscalls:sys_enter_clock_nanosleep", {pid = o.p, fields = fields("rqtp")}, show)
if o.d then probe("interval:s:" .. o.d, function() exit() end) end
