--- tcpsock: decode the socket fields of the sock:inet_sock_set_state and
--- tcp:* tracepoints (family, ports, saddr/daddr and their _v6 twins).
---
---   local tcpsock = require("tcpsock")
---   local l, r = tcpsock.addrs(e.args)      -- "127.0.0.1", "10.0.0.2"
---   tcpsock.endpoint(l, e.args.sport)        -- "127.0.0.1:8080", "[::1]:8080"
---   tcpsock.ipver(e.args)                    -- 4 or 6
---   tcpsock.state(e.args.newstate)           -- "SYN_SENT"
---   local row = tcpsock.columns(o.t, "%-7d %s\n", "PID", "COMM")
---
--- The tracepoints give ports in host order and addresses as byte arrays
--- (Lua tables of numbers); IPv4 sockets also fill the _v6 fields with
--- the mapped address, so the family decides which pair is meant.
local net = require("net")

local M = {}

--- ipver(args): 6 for an AF_INET6 socket, else 4.
function M.ipver(args)
  return args.family == net.AF_INET6 and 6 or 4
end

local function text(bytes)
  return ntop(string.char(unpack(bytes)))
end

--- addrs(args): the source and destination addresses as text.
function M.addrs(args)
  if args.family == net.AF_INET6 then
    return text(args.saddr_v6), text(args.daddr_v6)
  end
  return text(args.saddr), text(args.daddr)
end

--- addrs_v6(args): addrs from the _v6 fields alone, as raw bytes
--- (strings, from a map key): an IPv4 socket's are v4-mapped
--- (::ffff:a.b.c.d), so its address is their last 4 bytes.
function M.addrs_v6(args)
  if args.family == net.AF_INET6 then
    return ntop(args.saddr_v6), ntop(args.daddr_v6)
  end
  return ntop(args.saddr_v6:sub(13)), ntop(args.daddr_v6:sub(13))
end

--- endpoint(addr, port): "addr:port", with IPv6 addresses in brackets.
function M.endpoint(addr, port)
  if addr:find(":") then addr = "[" .. addr .. "]" end
  return addr .. ":" .. port
end

--- state(n): the TCP state's name without the TCP_ prefix.
M.state = net.tcp_state_name

--- States the kernel's tcp_set_state moves through (tcp_states.h).
M.ESTABLISHED, M.SYN_SENT, M.SYN_RECV, M.FIN_WAIT1 = 1, 2, 3, 4
M.CLOSE, M.LAST_ACK, M.LISTEN = 7, 9, 10

--- IPPROTO_TCP, for filters: the tracepoint also fires for SCTP and MPTCP.
M.IPPROTO_TCP = 6

--- columns(timestamps, fmt, name, ...): the tools' table. Prints the
--- column names in fmt when tracing starts and returns row(e, ...), which
--- prints one row; with timestamps, both start with a TIME(s) column
--- (seconds since the first row).
function M.columns(timestamps, fmt, ...)
  local names, start = { ... }, nil
  probe("BEGIN", function()
    if timestamps then printf("%-8s ", "TIME(s)") end
    -- The same widths as the rows, every value a string.
    local header = fmt:gsub("(%%%-?%d*)[.%d]*[dfsx]", "%1s")
    printf(header, unpack(names))
  end)
  return function(e, ...)
    if timestamps then
      start = start or e.ts
      printf("%-8.3f ", (e.ts - start) / 1e9)
    end
    printf(fmt, ...)
  end
end

--- stop_after(seconds): end tracing after seconds, when given.
function M.stop_after(seconds)
  if seconds then probe("interval:s:" .. seconds, function() exit() end) end
end

return M
