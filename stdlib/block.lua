--- block: pair block I/O requests with their completion, for tools such
--- as biolatency and biosnoop.
---
---   local block = require("block")
---   block.requests(function(rq, e)   -- rq: dev, disk, sector, bytes, rwbs, comm, pid, ts, latency (ns)
---     printf("%s %d\n", rq.disk, rq.latency)
---   end)
---
--- Requests are joined by device and sector from block:block_rq_issue to
--- block:block_rq_complete; a completion whose issue was not seen (issued
--- before tracing began) is skipped. Pending requests are bounded (65536);
--- past that the oldest are forgotten and counted in block.dropped.

local M = { dropped = 0 }

local MAX_PENDING = 65536

--- The disk name of a dev_t as the block tracepoints give it
--- (major << 20 | minor): "vda", "loop3", or "MAJ,MIN" when unknown.
function M.disk(dev)
  local major, minor = math.floor(dev / 1048576), dev % 1048576
  local f = io.open(string.format("/sys/dev/block/%d:%d/uevent", major, minor))
  if f then
    local text = f:read("*a")
    f:close()
    local name = text:match("DEVNAME=(%S+)")
    if name then return name end
  end
  return string.format("%d,%d", major, minor)
end

local disks = {}

--- Calls fn(rq, e) for each completed request (see the module comment);
--- opts.pid and opts.filter apply to the issue probe.
function M.requests(fn, opts)
  opts = opts or {}
  local pending, count, order = {}, 0, {}
  probe("tracepoint:block:block_rq_issue", { pid = opts.pid, filter = opts.filter }, function(e)
    local key = e.args.dev .. ":" .. e.args.sector
    if not pending[key] then
      count = count + 1
      order[#order + 1] = key
    end
    pending[key] = { dev = e.args.dev, sector = e.args.sector, bytes = e.args.bytes, rwbs = e.args.rwbs,
                     comm = e.comm, pid = e.pid, ts = e.ts }
    if count > MAX_PENDING then
      local old = table.remove(order, 1)
      if pending[old] then pending[old] = nil; count = count - 1; M.dropped = M.dropped + 1 end
    end
  end)
  probe("tracepoint:block:block_rq_complete", function(e)
    local key = e.args.dev .. ":" .. e.args.sector
    local rq = pending[key]
    if not rq then return end
    pending[key] = nil
    count = count - 1
    rq.latency = e.ts - rq.ts
    -- A string key: gopher-lua keeps integer keys below 2^26 in an array
    -- filled up to the key, and device numbers are in the millions (loop0
    -- is 7340032: 117 MB and seconds for its first request).
    local dk = tostring(rq.dev)
    disks[dk] = disks[dk] or M.disk(rq.dev)
    rq.disk = disks[dk]
    fn(rq, e)
  end)
end

return M
