-- listen: every TCP socket that starts listening, and where.
--
-- Usage:  luatrace scripts/listen.lua
--
-- For each successful listen() on a TCP socket: pid, command, the bound
-- address and port (host byte order), the backlog the program asked for
-- (the kernel caps it at net.core.somaxconn) and the inode of the socket's
-- network namespace (compare with `readlink /proc/PID/ns/net` or
-- `lsns -t net`). Where the kernel has fexit or kretprobes, the values
-- come from the socket itself at the return of inet_listen; elsewhere the
-- script follows the listen system call (tracepoints) and finds the socket
-- in /proc/PID/fd and /proc/PID/net/tcp{,6} (the namespace from
-- /proc/PID/ns/net); a process that exits before the event is read shows
-- "?" for what only /proc knew.
--
-- Example output (test/workloads/listenns 4242 7 newns; on Linux 6.1 by
-- fexit, on a kernel without kprobes or fentry by the fallback):
--   PID     COMM             ADDRESS                                   PORT BACKLOG NETNS
--   452     listenns         127.0.0.1                                 4242       7 4026532116

local net = require("net")
local proc = require("proc")
require("args").parse(arg, {}, {})

local function header()
  printf("%-7s %-16s %-40s %5s %7s %s\n", "PID", "COMM", "ADDRESS", "PORT", "BACKLOG", "NETNS")
end

local function report(pid, comm, addr, port, backlog, netns)
  printf("%-7d %-16s %-40s %5s %7s %s\n", pid, comm, addr or "?", port or "?", backlog or "?", netns or "?")
end

-- From the socket at the return of inet_listen: needs fexit or kprobes.
local sk = "args.sock->sk->__sk_common"
local fields = {
  family = sk .. ".skc_family",
  port = sk .. ".skc_num",
  addr4 = "buf(&" .. sk .. ".skc_rcv_saddr, 4)",
  addr6 = "buf(&" .. sk .. ".skc_v6_rcv_saddr, 16)",
  netns = sk .. ".skc_net.net->ns.inum",
  backlog = "args.backlog",
}
local function from_socket(e)
  local addr = e.family == net.AF_INET6 and ntop(e.addr6) or ntop(e.addr4)
  report(e.pid, e.comm, addr, e.port, e.backlog, e.netns)
end
local opts = { fields = fields, filter = "retval == 0", optional = true }
if probe("fexit:inet_listen", opts, from_socket) or probe("kretprobe:inet_listen", opts, from_socket) then
  probe("BEGIN", header)
  return
end

-- Fallback: the listen system call, resolved through /proc.

-- The address of a /proc/net/tcp{,6} line: the kernel prints each 32-bit
-- word of the address as a native (little-endian) integer in hex.
local function proc_addr(hex)
  local bytes = {}
  for i = 1, #hex, 8 do
    bytes[#bytes + 1] = net.u32le(tonumber(hex:sub(i, i + 7), 16))
  end
  return ntop(table.concat(bytes))
end

-- find_socket looks for the listening socket with this inode in the
-- process's view of the TCP tables.
local function find_socket(pid, inode)
  for _, table_name in ipairs({ "tcp", "tcp6" }) do
    local text = proc.read("/proc/" .. pid .. "/net/" .. table_name) or ""
    for line in text:gmatch("[^\n]+") do
      local local_addr, local_port, state, ino =
        line:match("^%s*%d+:%s+(%x+):(%x+)%s+%x+:%x+%s+(%x+)%s+%x+:%x+%s+%x+:%x+%s+%x+%s+%d+%s+%d+%s+(%d+)")
      if ino == inode and tonumber(state, 16) == 10 then
        return proc_addr(local_addr), tonumber(local_port, 16)
      end
    end
  end
end

local pending = {} -- tid -> {fd, backlog} between entry and exit

probe("tracepoint:syscalls:sys_enter_listen", function(e)
  pending[e.tid] = { fd = e.args.fd, backlog = e.args.backlog }
end)

probe("tracepoint:syscalls:sys_exit_listen", function(e)
  local call = pending[e.tid]
  pending[e.tid] = nil
  if not call or e.args.ret ~= 0 then return end
  local inode = (proc.fd(e.pid, call.fd) or ""):match("^socket:%[(%d+)%]$")
  local addr, port
  if inode then addr, port = find_socket(e.pid, inode) end
  if inode and not addr then return end -- a listening socket, but not TCP
  report(e.pid, e.comm, addr, port, call.backlog, proc.netns(e.pid))
end)

probe("BEGIN", header)
