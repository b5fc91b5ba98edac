--- sym: kernel and user symbols.
---
--- The globals ksym(addr), kaddr(name) and usym(pid, addr) are the short
--- forms (as in bpftrace); this module also returns offsets and modules.
--- Addresses may be numbers or "0x..." strings (values of 2^53 and more).
---
---   local sym = require("sym")
---   local name, off, mod = sym.kernel(e.arg0)
---   print(sym.kfmt(e.arg0))        --> "tcp_sendmsg+0x1c"
local native = require("luatrace.sym")

local M = {}

--- The kernel symbol containing addr: name, offset into it, module ("" for
--- the kernel image). nil when nothing covers addr; nil and a reason when
--- /proc/kallsyms is not readable.
function M.kernel(addr)
  return native.kernel(addr)
end

--- The symbol containing addr in process pid: name, offset, file. nil when
--- unknown (nil, nil, file when the file is known but has no symbol there).
function M.user(pid, addr)
  return native.user(pid, addr)
end

--- The address of kernel symbol name, or nil.
function M.kaddr(name)
  return native.kaddr(name)
end

-- fmt renders name+0xoff [module], or the bare address.
local function fmt(addr, name, off, module)
  if not name then return hex(addr) end
  local s = name
  if off ~= 0 then s = s .. "+" .. hex(off) end
  if module and module ~= "" then s = s .. " [" .. module .. "]" end
  return s
end

--- A kernel address as "name+0xoff", "name+0xoff [module]" or hex.
function M.kfmt(addr)
  return fmt(addr, native.kernel(addr))
end

--- A user address of process pid as "name+0xoff [file]" or hex.
function M.ufmt(pid, addr)
  local name, off, file = native.user(pid, addr)
  return fmt(addr, name, off, file)
end

return M
