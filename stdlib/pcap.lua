--- pcap: write packets to a capture file that tcpdump and Wireshark read.
--
--   local pcap = require("pcap")
--   local w = pcap.open("/tmp/rx.pcap", {linktype = pcap.LINKTYPE_RAW, snaplen = 256})
--   w:write(e.ts, bytes, orig_len)      -- e.ts: the event's kernel time
--   w:close()
--
-- Options: linktype (default LINKTYPE_ETHERNET, 1; LINKTYPE_RAW, 101,
-- is a bare IPv4/IPv6 packet), snaplen (default 65535: bytes kept per
-- packet; longer data is cut and the record keeps the original length),
-- format ("pcap", the default: libpcap's format with nanosecond
-- timestamps, or "pcapng"). Timestamps are wall-clock time with
-- nanosecond resolution: write() converts an event timestamp (kernel
-- monotonic ns) with kernel.walltime; write_wall() takes seconds and
-- nanoseconds since the epoch.

local net = require("net")
local u16le, u32le = net.u16le, net.u32le

local M = {
  LINKTYPE_NULL = 0, LINKTYPE_ETHERNET = 1, LINKTYPE_RAW = 101,
  LINKTYPE_LINUX_SLL = 113, LINKTYPE_IPV4 = 228, LINKTYPE_IPV6 = 229,
}

local MAX_SNAPLEN = 262144

local Writer = {}
Writer.__index = Writer

-- Each format writes a file header and records.
local formats = {}

formats.pcap = {
  header = function(w)
    -- a1b23c4d: the nanosecond-resolution variant of the pcap magic.
    return u32le(0xa1b23c4d) .. u16le(2) .. u16le(4) .. u32le(0) .. u32le(0)
      .. u32le(w.snaplen) .. u32le(w.linktype)
  end,
  record = function(w, sec, nsec, data, orig_len)
    return u32le(sec) .. u32le(nsec) .. u32le(#data) .. u32le(orig_len) .. data
  end,
}

local function block(btype, body)
  local pad = string.rep("\0", (4 - #body % 4) % 4)
  local len = 12 + #body + #pad
  return u32le(btype) .. u32le(len) .. body .. pad .. u32le(len)
end

formats.pcapng = {
  header = function(w)
    local shb = block(0x0A0D0D0A, u32le(0x1A2B3C4D) .. u16le(1) .. u16le(0) .. string.rep("\255", 8))
    -- if_tsresol (option 9) = 9: timestamps count nanoseconds.
    local opts = u16le(9) .. u16le(1) .. "\9\0\0\0" .. u16le(0) .. u16le(0)
    local idb = block(1, u16le(w.linktype) .. u16le(0) .. u32le(w.snaplen) .. opts)
    return shb .. idb
  end,
  record = function(w, sec, nsec, data, orig_len)
    local ts = u64.add(u64.mul(sec, 1000000000), nsec)
    local hi, lo = u64.shr(ts, 32), u64.band(ts, 0xffffffff)
    return block(6, u32le(0) .. u32le(hi) .. u32le(lo) .. u32le(#data) .. u32le(orig_len) .. data)
  end,
}

local function check_count(name, v, lo, hi)
  if type(v) ~= "number" or v ~= math.floor(v) or v < lo or v > hi then
    error(string.format("pcap.open: %s must be an integer from %d to %d, got %s", name, lo, hi, tostring(v)), 3)
  end
  return v
end

--- open(path [, opts]): create (or truncate) path and write the file
-- header. Returns a writer with write, write_wall and close, and a count
-- of records written in .packets.
function M.open(path, opts)
  opts = opts or {}
  local format = opts.format or "pcap"
  local fmt = formats[format]
  if not fmt then
    error(string.format('pcap.open: format must be "pcap" or "pcapng", got %s', tostring(format)), 2)
  end
  local w = setmetatable({
    path = path, format = format, fmt = fmt, packets = 0,
    linktype = check_count("linktype", opts.linktype or M.LINKTYPE_ETHERNET, 0, 65535),
    snaplen = check_count("snaplen", opts.snaplen or 65535, 1, MAX_SNAPLEN),
  }, Writer)
  local f, err = io.open(path, "wb")
  if not f then
    error(string.format("pcap.open: cannot create %s: %s", tostring(path), tostring(err)), 2)
  end
  w.file = f
  f:write(fmt.header(w))
  return w
end

--- w:write_wall(sec, nsec, data [, orig_len]): one packet with its
-- wall-clock time. data longer than snaplen is cut; orig_len (default
-- #data) is the packet's length on the wire.
function Writer:write_wall(sec, nsec, data, orig_len)
  if not self.file then error("pcap: write after close of " .. self.path, 2) end
  if type(data) ~= "string" then error("pcap: packet data must be a string, got " .. type(data), 2) end
  orig_len = math.max(orig_len or #data, #data)
  if #data > self.snaplen then data = data:sub(1, self.snaplen) end
  self.file:write(self.fmt.record(self, sec, nsec, data, orig_len))
  self.packets = self.packets + 1
end

--- w:write(ts, data [, orig_len]): one packet stamped with an event
-- timestamp (e.ts, kernel monotonic nanoseconds).
function Writer:write(ts, data, orig_len)
  local sec, nsec = kernel.walltime(ts)
  return self:write_wall(sec, nsec, data, orig_len)
end

--- w:flush(): push buffered records to the file.
function Writer:flush()
  if self.file then self.file:flush() end
end

--- w:close(): flush and close the file; later writes raise an error.
function Writer:close()
  if self.file then
    self.file:close()
    self.file = nil
  end
end

return M
