-- tcpaccept: trace passive TCP connections (the server side of accept()).
--
-- Usage: luatrace tcpaccept [-t] [-P PORT] [SECONDS]
--   -t          print a timestamp column (seconds since the first accept)
--   -P PORT     only connections to this local (listening) port
--   SECONDS     stop after SECONDS (default: Ctrl-C or the -c command's exit)
--
-- Where the kernel has fexit or kretprobes, a row per connection that
-- accept(2) returns, from the socket at the return of inet_csk_accept:
-- PID and COMM are the accepting process, as in bcc's tcpaccept.
--
-- Elsewhere (no kprobes, no fentry) a row per TCP socket that moves from
-- SYN_RECV to ESTABLISHED (tracepoint sock:inet_sock_set_state): the
-- handshake's last ACK has arrived and the connection waits in the
-- listener's accept queue, whether or not the server ever calls
-- accept(2). That runs in softirq context, whatever process the CPU was
-- running, so PID and COMM are "-": to find the server, match LPORT with
-- `luatrace listen` or `ss -ltnp`. (No tracepoint fires in accept(2)
-- with the socket; -v says which probe was used.)
--
-- Example output (luatrace tcpaccept -P 40123 on Linux 6.1, while a
-- server accepted tcpclient 40123 40201):
--   PID     COMM             IP RADDR                    RPORT  LADDR                    LPORT
--   25751   server           4  127.0.0.1                40201  127.0.0.1                40123

local net = require("net")
local tcpsock = require("tcpsock")
local o = require("args").parse(arg, {t = "flag", P = "number"}, {{"SECONDS", "number"}})
local port = o.P and math.floor(o.P)

-- At the return of inet_csk_accept: the new socket.
local sk = "((struct sock *)retval)->__sk_common"
local accepted = {
  fields = {
    family = sk .. ".skc_family",
    lport = sk .. ".skc_num",
    dport = sk .. ".skc_dport",
    saddr4 = "buf(&" .. sk .. ".skc_rcv_saddr, 4)",
    daddr4 = "buf(&" .. sk .. ".skc_daddr, 4)",
    saddr6 = "buf(&" .. sk .. ".skc_v6_rcv_saddr, 16)",
    daddr6 = "buf(&" .. sk .. ".skc_v6_daddr, 16)",
  },
  filter = "retval != 0" .. (port and " && " .. sk .. ".skc_num == " .. port or ""),
}
local established = {
  filter = "args.oldstate == " .. tcpsock.SYN_RECV .. " && args.newstate == " .. tcpsock.ESTABLISHED ..
    " && args.protocol == " .. tcpsock.IPPROTO_TCP .. (port and " && args.sport == " .. port or ""),
}
alias("tcpaccept:accept", {try = {
  {"fexit:inet_csk_accept", fields = accepted.fields, filter = accepted.filter},
  {"kretprobe:inet_csk_accept", fields = accepted.fields, filter = accepted.filter},
  {"tracepoint:sock:inet_sock_set_state", filter = established.filter},
}})

local row = tcpsock.columns(o.t, "%-7s %-16s %-2d %-24s %-6d %-24s %d\n",
  "PID", "COMM", "IP", "RADDR", "RPORT", "LADDR", "LPORT")
probe("tcpaccept:accept", function(e)
  if e.probe:find("^tracepoint:") then
    local laddr, raddr = tcpsock.addrs(e.args)
    row(e, "-", "-", tcpsock.ipver(e.args), raddr, e.args.dport, laddr, e.args.sport)
    return
  end
  local v6 = e.family == net.AF_INET6
  row(e, tostring(e.pid), e.comm, v6 and 6 or 4, ntop(v6 and e.daddr6 or e.daddr4), net.ntohs(e.dport),
    ntop(v6 and e.saddr6 or e.saddr4), e.lport)
end)

tcpsock.stop_after(o[1])
