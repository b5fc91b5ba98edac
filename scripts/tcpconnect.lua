-- tcpconnect: trace active TCP connections (connect()), as they start.
--
-- Usage: luatrace tcpconnect [-t] [-p PID] [-P PORT] [SECONDS]
--   -t          print a timestamp column (seconds since the first connect)
--   -p PID      only this process
--   -P PORT     only connections to this destination port
--   SECONDS     stop after SECONDS (default: Ctrl-C or the -c command's exit)
--
-- A row per TCP socket that enters SYN_SENT (tracepoint
-- sock:inet_sock_set_state), which happens in connect(2) in the
-- connecting process's context, so PID and COMM are the caller's. The
-- source port is the one the kernel picked for the SYN. Connections that
-- later fail (refused, timed out) are listed too: this is the attempt.
--
-- Example output (luatrace -c 'tcpclient 40123 40200' tcpconnect -t -P 40123):
--   TIME(s)  PID     COMM             IP SADDR                    SPORT  DADDR                    DPORT
--   0.000    25711   tcpclient        4  127.0.0.1                40200  127.0.0.1                40123

local tcpsock = require("tcpsock")
local o = require("args").parse(arg, {t = "flag", p = "pid", P = "number"}, {{"SECONDS", "number"}})

local filter = "args.newstate == " .. tcpsock.SYN_SENT .. " && args.protocol == " .. tcpsock.IPPROTO_TCP
if o.P then filter = filter .. " && args.dport == " .. math.floor(o.P) end

local row = tcpsock.columns(o.t, "%-7d %-16s %-2d %-24s %-6d %-24s %d\n",
  "PID", "COMM", "IP", "SADDR", "SPORT", "DADDR", "DPORT")
probe("tracepoint:sock:inet_sock_set_state", {pid = o.p, filter = filter}, function(e)
  local saddr, daddr = tcpsock.addrs(e.args)
  row(e, e.pid, e.comm, tcpsock.ipver(e.args), saddr, e.args.sport, daddr, e.args.dport)
end)

tcpsock.stop_after(o[1])
