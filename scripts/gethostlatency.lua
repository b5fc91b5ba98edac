-- gethostlatency: show name lookups (getaddrinfo, gethostbyname,
-- gethostbyname2) made through libc, with their latency.
--
-- Usage: luatrace gethostlatency [-p PID] [-L LIBC] [-d SECONDS]
--   -p PID      only this process
--   -L LIBC     the C library to probe (default: libc, found as the
--               dynamic loader would)
--   -d SECONDS  stop after SECONDS
--
-- Return probes paired with their entry: the host name is the first
-- argument as it was at entry, the latency the time since that entry.
--
-- Example output (getent ahosts localhost):
--   TIME     PID    COMM                  LATms HOST
--   09:33:56 31505  getent                 0.99 localhost

local args = require("args")
local o = args.parse(arg, {p = "pid", L = "string", d = "number"}, {})
local libc = o.L or "libc"

probe("BEGIN", function() printf("%-8s %-6s %-16s %10s %s\n", "TIME", "PID", "COMM", "LATms", "HOST") end)
for _, fn in ipairs{"getaddrinfo", "gethostbyname", "gethostbyname2"} do
  probe("uretprobe:" .. libc .. ":" .. fn, {pid = o.p, fields = {host = "str(arg0)"}}, function(e)
    printf("%-8s %-6d %-16s %10.2f %s\n", strftime("%H:%M:%S", e.ts), e.pid, e.comm, e.duration / 1e6, e.host)
  end)
end
if o.d then probe("interval:s:" .. o.d, function() exit() end) end
