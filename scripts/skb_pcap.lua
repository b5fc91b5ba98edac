-- skb_pcap: write the packets the kernel receives to a pcap file.
--
-- Usage:  luatrace scripts/skb_pcap.lua FILE [snaplen=N] [dev=NAME] [count=N] [format=pcapng]
--
-- At the kernel's receive path (tracepoint net:netif_receive_skb, every
-- packet a device hands to the network stack, loopback included) each IPv4
-- and IPv6 packet is written to FILE, which tcpdump and Wireshark read:
-- link type RAW (the IP header first; the link-layer header is already
-- consumed at this point), wall-clock timestamps with nanosecond
-- resolution, captured and original lengths. snaplen (default 1500, at
-- most 32752) bounds the bytes copied per packet; only the linear part of
-- a packet (skb_headlen) is copied, the record keeps the full length.
-- dev keeps one device's packets; count stops after N packets. Packets
-- that are not IP (ARP...) are counted and skipped.
--
-- Example (test/workloads/udpsend to a closed port: the datagram and the
-- ICMP error it causes):
--   # luatrace scripts/skb_pcap.lua /tmp/lo.pcap dev=lo count=2
--   Writing packets received on lo to /tmp/lo.pcap. Ctrl-C to end.
--   2 packets written to /tmp/lo.pcap, 0 skipped (not IP)
--   # tcpdump -r /tmp/lo.pcap -nn
--   reading from file /tmp/lo.pcap, link-type RAW (Raw IP), snapshot length 1500
--   09:32:21.365913 IP 127.0.0.1.40005 > 127.0.0.1.9: UDP, length 5
--   09:32:21.365925 IP 127.0.0.1 > 127.0.0.1: ICMP 127.0.0.1 udp port 9 unreachable, length 41

local pcap = require("pcap")
local net = require("net")

local given = require("args").parse(arg, {}, {{"FILE", "string"}, {"OPTION", "string"}, {"OPTION", "string"},
  {"OPTION", "string"}, {"OPTION", "string"}})
local path = given[1]
if not path or path:find("=") then
  error("usage: skb_pcap.lua FILE [snaplen=N] [dev=NAME] [count=N] [format=pcapng]", 0)
end
local opts = { snaplen = 1500, format = "pcap" }
for i = 2, #given do
  local k, v = given[i]:match("^(%w+)=(.+)$")
  if k == "snaplen" or k == "count" then
    v = tonumber(v)
  elseif k ~= "dev" and k ~= "format" then
    error("unknown option " .. given[i] .. "; use snaplen=N, dev=NAME, count=N or format=pcap|pcapng", 0)
  end
  opts[k] = v
end
if not opts.snaplen or opts.snaplen < 1 or opts.snaplen > 32752 then
  error("snaplen must be from 1 to 32752 bytes (the capture limit per field)", 0)
end

local w = pcap.open(path, { linktype = pcap.LINKTYPE_RAW, snaplen = opts.snaplen, format = opts.format })
local skipped = 0

-- At netif_receive_skb, skb->data is the network header and skb->len the
-- packet's length from there; data_len is what lies in page fragments,
-- past the linear part we can copy.
local skb = "((struct sk_buff *)args.skbaddr)"
probe("tracepoint:net:netif_receive_skb", {
  fields = {
    data = string.format("buf(%s->data, %d)", skb, opts.snaplen),
    -- A buffer rather than the member: see dropwatch.lua.
    data_len = "buf(&" .. skb .. "->data_len, 4)",
  },
}, function(e)
  if opts.dev and e.args.name ~= opts.dev then return end
  local version = e:status("data") == "ok" and math.floor(net.u8(e.data, 0) / 16)
  if version ~= 4 and version ~= 6 then
    skipped = skipped + 1
    return
  end
  local headlen = e.args.len - (net.le32(e.data_len, 0) or 0)
  w:write(e.ts, e.data:sub(1, math.min(headlen, opts.snaplen)), e.args.len)
  if opts.count and w.packets >= opts.count then exit() end
end)

probe("BEGIN", function()
  printf("Writing packets received%s to %s. Ctrl-C to end.\n", opts.dev and " on " .. opts.dev or "", path)
end)
probe("END", function()
  w:close()
  printf("%d packets written to %s, %d skipped (not IP)\n", w.packets, path, skipped)
end)
