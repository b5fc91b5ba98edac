-- tcp_payload_watch: which processes send a given string over TCP.
--
-- Usage:  luatrace scripts/tcp_payload_watch.lua [PORT] [STRING] [SIZE]
--
-- On each tcp_sendmsg to destination PORT (default 80), reads the first
-- SIZE bytes (default 512) of the data being sent, straight from the
-- sender's buffer behind msg->msg_iter, and reports sends that contain
-- STRING (default x-aws-ec2-metadata-token, compared without regard to
-- case, as HTTP header names are): pid, command, destination address and
-- port, bytes sent, and the line of the payload that matched.
--
-- The iterator's layout differs between kernels and between calls: a
-- single user buffer (ITER_UBUF: write(), and send() on newer kernels)
-- or an array of iovecs (ITER_IOVEC: sendmsg(), writev()). The script
-- reads both from the kernel's BTF (iov_iter.__ubuf_iovec or .ubuf,
-- .__iov or .iov) and picks per send by iter_type. Needs fentry or
-- kprobes. The port filter runs in the kernel: other sends cost no copy.
-- Limits: only the first iovec's data is read; a send whose buffer ends
-- within SIZE bytes of the end of its memory mapping cannot be read
-- (the read is all or nothing) and is counted as unreadable.
--
-- Example output (Linux 6.1; test/workloads/httpreq sending with write()
-- and with sendmsg(), then requests without the header, which are not shown):
--   PID     COMM             DESTINATION                BYTES  MATCH
--   636     httpreq          127.0.0.1:80                  72  X-aws-ec2-metadata-token: via-write
--   638     httpreq          127.0.0.1:80                  74  X-aws-ec2-metadata-token: via-sendmsg

local net = require("net")

local o = require("args").parse(arg, {}, {{"PORT", "number"}, {"STRING", "string"}, {"SIZE", "number"}})
local port = o[1] or 80
local needle = o[2] or "x-aws-ec2-metadata-token"
local size = o[3] or 512
if not port or port < 1 or port > 65535 or port ~= math.floor(port) then
  error("usage: tcp_payload_watch.lua [PORT] [STRING] [SIZE]; PORT must be 1..65535, got " .. tostring(port), 0)
end
if not size or size < 1 or size > 32752 then
  error("SIZE must be from 1 to 32752 bytes, got " .. tostring(size), 0)
end
needle = needle:lower()

-- Where the sender's bytes are, for this kernel's struct iov_iter.
local iter = "args.msg->msg_iter"
local ubuf, iov
if kernel.has_field("struct iov_iter", "__ubuf_iovec") then -- 6.4+
  ubuf, iov = iter .. ".__ubuf_iovec.iov_base", iter .. ".__iov->iov_base"
elseif kernel.has_field("struct iov_iter", "ubuf") then -- 6.0 to 6.3
  ubuf, iov = iter .. ".ubuf", iter .. ".iov->iov_base"
else
  iov = iter .. ".iov->iov_base"
end

local types = {}
if kernel.has_field("struct iov_iter", "iter_type") then
  for value, name in pairs(kernel.enum("iter_type")) do types[name] = value end
end

local sk = "args.sk->__sk_common"
local fields = {
  family = sk .. ".skc_family",
  daddr4 = "buf(&" .. sk .. ".skc_daddr, 4)",
  daddr6 = "buf(&" .. sk .. ".skc_v6_daddr, 16)",
  count = iter .. ".count",
  p_iov = string.format("buf(uptr(%s), %d)", iov, size),
}
if ubuf then fields.p_ubuf = string.format("buf(uptr(%s), %d)", ubuf, size) end
if types.ITER_UBUF then fields.itype = iter .. ".iter_type" end

local unreadable = 0

local function on_send(e)
  local which = (fields.itype and e.itype == types.ITER_UBUF) and "p_ubuf" or "p_iov"
  if e:status(which) == "fault" then
    unreadable = unreadable + 1
    return
  end
  local payload = e[which]:sub(1, e.count)
  local at = payload:lower():find(needle, 1, true)
  if not at then return end
  -- The line around the match, without its line break.
  local from = at
  while from > 1 and payload:sub(from - 1, from - 1) ~= "\n" do from = from - 1 end
  local line = payload:sub(from):match("^[^\r\n]*")
  local daddr = e.family == net.AF_INET6 and "[" .. ntop(e.daddr6) .. "]" or ntop(e.daddr4)
  printf("%-7d %-16s %-25s %6d  %s\n", e.pid, e.comm, daddr .. ":" .. port, e.count, line)
end

local opts = {
  fields = fields,
  -- skc_dport is in network byte order; the filter compares with a constant.
  filter = string.format("%s.skc_dport == %d", sk, net.htons(port)),
  optional = true,
}
if not probe("fentry:tcp_sendmsg", opts, on_send) and not probe("kprobe:tcp_sendmsg", opts, on_send) then
  error("tcp_payload_watch needs fentry or kprobes on tcp_sendmsg, which this kernel refused (see the warnings above)", 0)
end

probe("BEGIN", function()
  printf("%-7s %-16s %-25s %6s  %s\n", "PID", "COMM", "DESTINATION", "BYTES", "MATCH")
end)
probe("END", function()
  if unreadable > 0 then
    printf("%d sends to port %d could not be read (buffer too close to the end of its mapping for SIZE %d)\n", unreadable, port, size)
  end
end)
