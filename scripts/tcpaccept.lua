-- tcpaccept: trace passive TCP connections (the server side of accept()).
--
-- Usage: luatrace tcpaccept [-t] [-P PORT] [SECONDS]
--   -t          print a timestamp column (seconds since the first accept)
--   -P PORT     only connections to this local (listening) port
--   SECONDS     stop after SECONDS (default: Ctrl-C or the -c command's exit)
--
-- A row per TCP socket that moves from SYN_RECV to ESTABLISHED (tracepoint
-- sock:inet_sock_set_state): the handshake's last ACK has arrived and the
-- connection waits in the listener's accept queue, whether or not the
-- server ever calls accept(2). That transition runs in softirq context,
-- so PID and COMM are whatever the CPU was running then, not the server:
-- 0/swapper for packets from the network, and on loopback usually the
-- connecting client. Hence there is no -p option; to find the server,
-- match LPORT with `luatrace listen` or `ss -ltnp`.
--
-- Example output (luatrace tcpaccept -P 40123, while tcpclient 40123 40201 ran):
--   PID     COMM             IP RADDR                    RPORT  LADDR                    LPORT
--   25751   tcpclient        4  127.0.0.1                40201  127.0.0.1                40123

local tcpsock = require("tcpsock")
local o = require("args").parse(arg, {t = "flag", P = "number"})

local filter = "args.oldstate == " .. tcpsock.SYN_RECV .. " && args.newstate == " .. tcpsock.ESTABLISHED ..
  " && args.protocol == " .. tcpsock.IPPROTO_TCP
if o.P then filter = filter .. " && args.sport == " .. math.floor(o.P) end

local row = tcpsock.columns(o.t, "%-7d %-16s %-2d %-24s %-6d %-24s %d\n",
  "PID", "COMM", "IP", "RADDR", "RPORT", "LADDR", "LPORT")
probe("tracepoint:sock:inet_sock_set_state", {filter = filter}, function(e)
  local laddr, raddr = tcpsock.addrs(e.args)
  row(e, e.pid, e.comm, tcpsock.ipver(e.args), raddr, e.args.dport, laddr, e.args.sport)
end)

tcpsock.stop_after(o[1])
