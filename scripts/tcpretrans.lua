-- tcpretrans: trace TCP retransmissions, with addresses and TCP state.
--
-- Usage: luatrace tcpretrans [-c] [SECONDS]
--   -c          count retransmissions per connection, print the counts at exit
--   SECONDS     stop after SECONDS (default: Ctrl-C or the -c command's exit)
--
-- A row per retransmitted segment (tracepoint tcp:tcp_retransmit_skb):
-- the local and remote ends, and the TCP state of the socket (SYN_SENT
-- for a retransmitted SYN, ESTABLISHED for data). Retransmissions run
-- from the retransmit timer or on receiving duplicate ACKs, both in
-- softirq context, so PID is whatever the CPU was running then and
-- usually not the connection's owner; it is shown as bcc does but means
-- little. Tail loss probes (bcc's -l) need a kprobe and are not traced.
--
-- Example output (luatrace tcpretrans, while synretrans 40302 40303 had
-- its SYN dropped by a full accept queue):
--   TIME     PID     IP LADDR:LPORT          T> RADDR:RPORT          STATE
--   11:08:55 29166   4  127.0.0.1:40303      R> 127.0.0.1:40302      SYN_SENT
--
-- With -c, at exit:
--   IP LADDR:LPORT             RADDR:RPORT          RETRANSMITS
--   4  127.0.0.1:40305      <-> 127.0.0.1:40304      1

local tcpsock = require("tcpsock")
local o = require("args").parse(arg, {c = "flag"}, {{"SECONDS", "number"}})

-- The two ends of the segment's connection, as "addr:port" each.
local function ends(a)
  local laddr, raddr = tcpsock.addrs(a)
  return tcpsock.endpoint(laddr, a.sport), tcpsock.endpoint(raddr, a.dport)
end

if o.c then
  local counts, order = {}, {}
  probe("BEGIN", function() print("Tracing retransmits... Hit Ctrl-C to end.") end)
  probe("tracepoint:tcp:tcp_retransmit_skb", function(e)
    local l, r = ends(e.args)
    local key = l .. " " .. r
    if counts[key] == nil then
      order[#order + 1] = {key = key, ipver = tcpsock.ipver(e.args), l = l, r = r}
      counts[key] = 0
    end
    counts[key] = counts[key] + 1
  end)
  probe("END", function()
    printf("\n%-2s %-20s    %-20s %s\n", "IP", "LADDR:LPORT", "RADDR:RPORT", "RETRANSMITS")
    for _, c in ipairs(order) do
      printf("%-2d %-20s <-> %-20s %d\n", c.ipver, c.l, c.r, counts[c.key])
    end
  end)
else
  probe("BEGIN", function()
    printf("%-8s %-7s %-2s %-20s %-2s %-20s %s\n", "TIME", "PID", "IP", "LADDR:LPORT", "T>", "RADDR:RPORT", "STATE")
  end)
  probe("tracepoint:tcp:tcp_retransmit_skb", function(e)
    local l, r = ends(e.args)
    printf("%-8s %-7d %-2d %-20s R> %-20s %s\n", strftime("%H:%M:%S", e.ts), e.pid, tcpsock.ipver(e.args), l, r, tcpsock.state(e.args.state))
  end)
end

tcpsock.stop_after(o[1])
