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
-- With -c, the retransmissions are counted in the kernel per connection
-- (family, addresses and ports), exact at any rate, and printed at exit,
-- most first (ties by IP version, then local and remote end):
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
  -- Counted in the kernel, one row per connection. A key has at most 4
  -- parts: the ports share one, and the addresses are the _v6 fields,
  -- which hold an IPv4 socket's as v4-mapped addresses.
  local counts = map.count{key = {"args.family", "args.saddr_v6", "args.daddr_v6", "args.sport * 65536 + args.dport"}}
  probe("BEGIN", function() print("Tracing retransmits... Hit Ctrl-C to end.") end)
  probe("tracepoint:tcp:tcp_retransmit_skb", {into = counts})
  probe("END", function()
    local rows = {}
    for _, it in ipairs(counts:items()) do
      local family, ports = it.key[1], it.key[4]
      local args = {family = family, saddr_v6 = it.key[2], daddr_v6 = it.key[3]}
      local laddr, raddr = tcpsock.addrs_v6(args)
      rows[#rows + 1] = {ipver = tcpsock.ipver(args), count = it.value,
        l = tcpsock.endpoint(laddr, math.floor(ports / 65536)), r = tcpsock.endpoint(raddr, ports % 65536)}
    end
    -- Most retransmits first, as bcc; ties by IP version, then ends.
    table.sort(rows, function(a, b)
      if a.count ~= b.count then return a.count > b.count end
      if a.ipver ~= b.ipver then return a.ipver < b.ipver end
      if a.l ~= b.l then return a.l < b.l end
      return a.r < b.r
    end)
    printf("\n%-2s %-20s    %-20s %s\n", "IP", "LADDR:LPORT", "RADDR:RPORT", "RETRANSMITS")
    for _, c in ipairs(rows) do
      printf("%-2d %-20s <-> %-20s %d\n", c.ipver, c.l, c.r, c.count)
    end
    counts:clear() -- printed above, not again at exit
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
