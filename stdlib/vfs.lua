--- vfs: probe aliases for the kernel's VFS entry points.
---
--- Each alias uses fentry where the kernel allows it, then a kprobe, then
--- the system call tracepoints that lead to the function (so it runs on
--- kernels without kprobes too; the counts then cover only system calls,
--- not kernel-internal reads such as exec's). Loading the module defines
--- them:
---
---   require("vfs")
---   probe("vfs:read", function(e) n = n + 1 end)
---
--- vfs:read, vfs:write, vfs:fsync, vfs:open, vfs:create.
local M = {}

local syscalls = require("syscalls")

-- legacy is open(2) where the machine has it: x86-64 does, the generic
-- system call table of arm64 and riscv has only openat.
local function legacy(call)
  if syscalls.number(call) then return call end
end

--- The aliases: name, kernel function, the system calls of the fallback.
M.calls = {
  {"read", "vfs_read", {"read", "readv", "pread64", "preadv", "preadv2"}},
  {"write", "vfs_write", {"write", "writev", "pwrite64", "pwritev", "pwritev2"}},
  {"fsync", "vfs_fsync_range", {"fsync", "fdatasync"}},
  {"open", "vfs_open", {"openat", "openat2", legacy("open")}},
  {"create", "vfs_create", {"creat"}},
}

for _, c in ipairs(M.calls) do
  local name, fn, syscalls = c[1], c[2], c[3]
  local group = {}
  for i, call in ipairs(syscalls) do group[i] = "tracepoint:syscalls:sys_enter_" .. call end
  alias("vfs:" .. name, {
    try = {"fentry:" .. fn, "kprobe:" .. fn, group},
    doc = "calls of " .. fn .. " (or of the system calls " .. table.concat(syscalls, ", ") .. ")",
  })
end

return M
