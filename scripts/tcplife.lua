-- tcplife: one line per TCP connection when it closes: who, where, how long.
--
-- Usage: luatrace tcplife [-t] [-p PID] [-L PORT] [-D PORT] [SECONDS]
--   -t          print a timestamp column (seconds since the first close)
--   -p PID      only connections owned by this process
--   -L PORT     only connections with this local port
--   -D PORT     only connections with this remote port
--   SECONDS     stop after SECONDS (default: Ctrl-C or the -c command's exit)
--
-- Follows each TCP socket through sock:inet_sock_set_state: its life
-- starts at the first transition to SYN_SENT, SYN_RECV or ESTABLISHED
-- seen and ends at CLOSE; MS is the time between. Sockets already open
-- when tracing started, and listening sockets, are not shown. PID and
-- COMM are the process that connected (SYN_SENT) or, for accepted
-- connections, the one that closed it (FIN_WAIT1 or LAST_ACK happen in
-- close(2) or shutdown(2)); when neither was seen, the context of the
-- first transition, which may be a softirq's (0/swapper, or on loopback
-- the peer). TX_KB and RX_KB are the data bytes the peer acknowledged
-- and the data bytes received (struct tcp_sock's bytes_acked and
-- bytes_received, read in the kernel at the move to CLOSE, as bcc's
-- tcplife does), in KiB rounded down.
--
-- Example output (luatrace tcplife -L 40210, while tcpclient 40123 40210 ran; the
-- server read 5 bytes, sent 300 KiB and closed first):
--   PID     COMM             IP LADDR                    LPORT  RADDR                    RPORT  TX_KB  RX_KB  MS
--   27041   tcpclient        4  127.0.0.1                40210  127.0.0.1                40123  0      300    0.36

local tcpsock = require("tcpsock")
local o = require("args").parse(arg, {t = "flag", p = "pid", L = "number", D = "number"}, {{"SECONDS", "number"}})

local row = tcpsock.columns(o.t, "%-7d %-16s %-2d %-24s %-6d %-24s %-6d %-6d %-6d %.2f\n",
  "PID", "COMM", "IP", "LADDR", "LPORT", "RADDR", "RPORT", "TX_KB", "RX_KB", "MS")

-- Transitions that a process makes in its own context, naming the owner.
local by_owner = {[tcpsock.SYN_SENT] = true, [tcpsock.FIN_WAIT1] = true, [tcpsock.LAST_ACK] = true}

local alive = {} -- skaddr -> {ts, pid, comm, owned}

local function track(e)
  local a = e.args
  local sock = alive[a.skaddr]
  if sock == nil then
    if a.newstate > tcpsock.SYN_RECV then return end -- listening, or opened before tracing
    sock = {ts = e.ts, pid = e.pid, comm = e.comm}
    alive[a.skaddr] = sock
  end
  if by_owner[a.newstate] and not sock.owned then
    sock.pid, sock.comm, sock.owned = e.pid, e.comm, true
  end
  if a.newstate ~= tcpsock.CLOSE then return end
  alive[a.skaddr] = nil
  if (o.p and sock.pid ~= o.p) or (o.L and a.sport ~= o.L) or (o.D and a.dport ~= o.D) then return end
  local laddr, raddr = tcpsock.addrs(a)
  row(e, sock.pid, sock.comm, tcpsock.ipver(a), laddr, a.sport, raddr, a.dport,
    math.floor(e.tx / 1024), math.floor(e.rx / 1024), (e.ts - sock.ts) / 1e6)
end

-- The byte counts are read only at the move to CLOSE, by a probe of its own.
local tcp = "args.protocol == " .. tcpsock.IPPROTO_TCP
probe("tracepoint:sock:inet_sock_set_state", {filter = tcp .. " && args.newstate != " .. tcpsock.CLOSE}, track)
probe("tracepoint:sock:inet_sock_set_state", {
  filter = tcp .. " && args.newstate == " .. tcpsock.CLOSE,
  fields = {tx = "((struct tcp_sock *)args.skaddr)->bytes_acked",
            rx = "((struct tcp_sock *)args.skaddr)->bytes_received"},
}, track)

tcpsock.stop_after(o[1])
