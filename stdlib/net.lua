--- net: network helpers for trace scripts.
--
--   local net = require("net")
--   net.ntop(e.daddr)                       -- "127.0.0.1" (the ntop global)
--   net.ntohs(e.dport)                      -- port from a __be16
--   net.proto_name(17)                      -- "UDP"
--   net.tcp_state_name(10)                  -- "LISTEN"
--   local ip = net.ip(bytes, 0)             -- IPv4 or IPv6 header at offset 0
--   local pkt = net.packet(bytes, 0)        -- addresses, protocol and ports
--
-- Offsets into byte strings are 0-based, like C offsets; parsers return
-- nil and a reason ("truncated", "not IPv4") when the bytes do not hold
-- the header.

local M = {}

--- ntop(addr) or ntop(af, addr): the global, re-exported.
M.ntop = ntop

--- AF_INET and AF_INET6 as the kernel numbers them.
M.AF_INET, M.AF_INET6 = 2, 10

-- Byte helpers (Lua 5.1 has no string.unpack). off is 0-based; nil when
-- the string is too short.

--- u8(s, off): the byte at off.
function M.u8(s, off)
  return s:byte(off + 1)
end

-- unsigned reads an n-byte unsigned integer at off, most significant byte
-- first when big.
local function unsigned(s, off, n, big)
  local b = { s:byte(off + 1, off + n) }
  if #b < n then return nil end
  local v = 0
  for i = 1, n do
    v = v * 256 + b[big and i or n + 1 - i]
  end
  return v
end

--- be16(s, off), be32(s, off): big-endian (network order) values at off.
function M.be16(s, off) return unsigned(s, off, 2, true) end
function M.be32(s, off) return unsigned(s, off, 4, true) end

--- le16(s, off), le32(s, off): little-endian values at off.
function M.le16(s, off) return unsigned(s, off, 2, false) end
function M.le32(s, off) return unsigned(s, off, 4, false) end

--- u16le(n), u32le(n): n as 2 or 4 little-endian bytes (for writers).
function M.u16le(n)
  return string.char(n % 256, math.floor(n / 256) % 256)
end

function M.u32le(n)
  return string.char(n % 256, math.floor(n / 256) % 256, math.floor(n / 65536) % 256, math.floor(n / 16777216) % 256)
end

--- ntohs(n)/htons(n): swap the bytes of a 16-bit value (this is a
-- little-endian host: a __be16 read as a number has them swapped).
function M.ntohs(n)
  return (n % 256) * 256 + math.floor(n / 256) % 256
end
M.htons = M.ntohs

--- ntohl(n)/htonl(n): swap the bytes of a 32-bit value.
function M.ntohl(n)
  local b0, b1 = n % 256, math.floor(n / 256) % 256
  local b2, b3 = math.floor(n / 65536) % 256, math.floor(n / 16777216) % 256
  return ((b0 * 256 + b1) * 256 + b2) * 256 + b3
end
M.htonl = M.ntohl

--- protocols: IP protocol numbers to names.
M.protocols = {
  [0] = "HOPOPT", [1] = "ICMP", [2] = "IGMP", [4] = "IPIP", [6] = "TCP", [17] = "UDP",
  [41] = "IPv6", [43] = "IPv6-Route", [44] = "IPv6-Frag", [47] = "GRE", [50] = "ESP",
  [51] = "AH", [58] = "ICMPv6", [59] = "IPv6-NoNxt", [60] = "IPv6-Opts",
  [132] = "SCTP", [136] = "UDPLite", [255] = "RAW",
}

--- proto_name(n): "TCP", "UDP", ... or the number as a string.
function M.proto_name(n)
  return M.protocols[n] or tostring(n)
end

--- ethertypes: link-layer protocol numbers (skb->protocol, host order).
M.ethertypes = { [0x0800] = "IPv4", [0x0806] = "ARP", [0x86DD] = "IPv6", [0x8100] = "802.1Q" }

--- tcp_states: the kernel's TCP states (include/net/tcp_states.h).
M.tcp_states = {
  "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
  "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV", "BOUND_INACTIVE",
}

--- tcp_state_name(n): "LISTEN", ... or the number as a string.
function M.tcp_state_name(n)
  return M.tcp_states[n] or tostring(n)
end

local function need(s, off, n)
  return type(s) == "string" and off >= 0 and #s >= off + n
end

--- iphdr(s, off): the IPv4 header at off: version, ihl, hdr_len, tos,
-- tot_len, id, frag_off, ttl, protocol, check, saddr, daddr (text),
-- l4off (offset of the transport header).
function M.iphdr(s, off)
  off = off or 0
  if not need(s, off, 20) then return nil, "truncated" end
  local vihl = M.u8(s, off)
  local version, ihl = math.floor(vihl / 16), vihl % 16
  if version ~= 4 then return nil, "not IPv4" end
  if ihl < 5 then return nil, "bad header length" end
  return {
    version = 4, ihl = ihl, hdr_len = ihl * 4, tos = M.u8(s, off + 1),
    tot_len = M.be16(s, off + 2), id = M.be16(s, off + 4), frag_off = M.be16(s, off + 6),
    ttl = M.u8(s, off + 8), protocol = M.u8(s, off + 9), check = M.be16(s, off + 10),
    saddr = ntop(s:sub(off + 13, off + 16)), daddr = ntop(s:sub(off + 17, off + 20)),
    l4off = off + ihl * 4,
  }
end

--- ipv6hdr(s, off): the IPv6 header at off: version, traffic_class,
-- flow_label, payload_len, nexthdr, hop_limit, saddr, daddr (text), and
-- protocol/l4off after skipping hop-by-hop, routing, fragment and
-- destination-options extension headers present in s.
function M.ipv6hdr(s, off)
  off = off or 0
  if not need(s, off, 40) then return nil, "truncated" end
  local w = M.be32(s, off)
  if math.floor(w / 268435456) ~= 6 then return nil, "not IPv6" end
  local h = {
    version = 6, traffic_class = math.floor(w / 1048576) % 256, flow_label = w % 1048576,
    payload_len = M.be16(s, off + 4), nexthdr = M.u8(s, off + 6), hop_limit = M.u8(s, off + 7),
    saddr = ntop(s:sub(off + 9, off + 24)), daddr = ntop(s:sub(off + 25, off + 40)),
  }
  local proto, at = h.nexthdr, off + 40
  while (proto == 0 or proto == 43 or proto == 44 or proto == 60) and need(s, at, 8) do
    local nxt = M.u8(s, at)
    at = at + (proto == 44 and 8 or (M.u8(s, at + 1) + 1) * 8)
    proto = nxt
  end
  h.protocol, h.l4off = proto, at
  return h
end

--- ip(s, off): an IPv4 or IPv6 header, by the version nibble.
function M.ip(s, off)
  off = off or 0
  if not need(s, off, 1) then return nil, "truncated" end
  local version = math.floor(M.u8(s, off) / 16)
  if version == 4 then return M.iphdr(s, off) end
  if version == 6 then return M.ipv6hdr(s, off) end
  return nil, "not IP (version " .. version .. ")"
end

local tcp_flag_names = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR" }

--- tcphdr(s, off): the TCP header at off: sport, dport, seq, ack_seq,
-- doff, hdr_len, flags (number), flag_names ("SYN,ACK"), window, check,
-- urg_ptr.
function M.tcphdr(s, off)
  off = off or 0
  if not need(s, off, 20) then return nil, "truncated" end
  local flags = M.u8(s, off + 13)
  local names = {}
  for i, name in ipairs(tcp_flag_names) do
    if math.floor(flags / 2 ^ (i - 1)) % 2 == 1 then names[#names + 1] = name end
  end
  local doff = math.floor(M.u8(s, off + 12) / 16)
  return {
    sport = M.be16(s, off), dport = M.be16(s, off + 2), seq = M.be32(s, off + 4),
    ack_seq = M.be32(s, off + 8), doff = doff, hdr_len = doff * 4, flags = flags,
    flag_names = table.concat(names, ","), window = M.be16(s, off + 14),
    check = M.be16(s, off + 16), urg_ptr = M.be16(s, off + 18),
  }
end

--- udphdr(s, off): the UDP header at off: sport, dport, len, check.
function M.udphdr(s, off)
  off = off or 0
  if not need(s, off, 8) then return nil, "truncated" end
  return { sport = M.be16(s, off), dport = M.be16(s, off + 2), len = M.be16(s, off + 4), check = M.be16(s, off + 6) }
end

--- packet(s, off): the IP header at off and, for TCP, UDP and UDPLite,
-- the ports: {family = 4|6, saddr, daddr, protocol, proto_name, sport,
-- dport, ip = header, l4 = transport header or nil}. nil and a reason
-- when there is no IP header; ports are nil when the transport header is
-- past the end of s.
function M.packet(s, off)
  local ip, why = M.ip(s, off)
  if not ip then return nil, why end
  local p = {
    family = ip.version, saddr = ip.saddr, daddr = ip.daddr, protocol = ip.protocol,
    proto_name = M.proto_name(ip.protocol), ip = ip,
  }
  if ip.protocol == 6 then
    p.l4 = M.tcphdr(s, ip.l4off)
  elseif ip.protocol == 17 or ip.protocol == 136 then
    p.l4 = M.udphdr(s, ip.l4off)
  end
  if p.l4 then p.sport, p.dport = p.l4.sport, p.l4.dport end
  return p
end

return M
