-- killsnoop: trace signals sent with kill(2), tkill(2) and tgkill(2).
--
-- Usage: luatrace killsnoop [-x] [-p PID] [-s SIGNAL] [-d SECONDS]
--   -x          only failed calls
--   -p PID      only signals sent by this process
--   -s SIGNAL   only this signal (number or name: 9, KILL, SIGKILL)
--   -d SECONDS  stop after SECONDS
--
-- Uses the syscalls tracepoints: the signal and target at entry, the
-- result at the exit of the same thread.
--
-- Example output (bash running kill -USR1 28554; kill -9 999999):
--   TIME     PID    COMM             SIG  TPID   RESULT
--   09:31:36 28516  bash             10   28554  0
--   09:31:36 28516  bash             9    999999 -3

local args = require("args")
local signals = require("signals")
local o = args.parse(arg, {x = "flag", p = "pid", s = "string", d = "number"}, {})

local want_sig = o.s and (tonumber(o.s) or signals.number(o.s))
if o.s and not want_sig then
  io.stderr:write("killsnoop: unknown signal " .. o.s .. "\n")
  exit(2)
end

local syscalls = require("syscalls")

probe("BEGIN", function() printf("%-8s %-6s %-16s %-4s %-6s %s\n", "TIME", "PID", "COMM", "SIG", "TPID", "RESULT") end)

-- The target is a pid_t in a 64-bit slot: the cast keeps kill(-1, ...) -1.
local opts = {pid = o.p, fields = {tpid = "(int)args.pid", sig = "args.sig"}}
if want_sig then opts.filter = "args.sig == " .. want_sig end

for _, call in ipairs{"kill", "tkill", "tgkill"} do
  syscalls.pair(call, opts, function(e) return {e.tpid, e.sig} end, function(p, e)
    if o.x and e.ret == 0 then return end
    printf("%-8s %-6d %-16s %-4d %-6d %d\n", strftime("%H:%M:%S", e.ts), e.pid, e.comm, p[2], p[1], e.ret)
  end)
end
if o.d then probe("interval:s:" .. o.d, function() exit() end) end
