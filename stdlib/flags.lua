--- flags: decode bit sets of system-call arguments into names.
---
--- Values come from this machine's kernel ABI, so they are right on
--- arm64 as on x86_64. Bits without a name are shown in hex at the end.
---
---   local flags = require("flags")
---   flags.open(0x241)            --> "O_WRONLY|O_CREAT|O_TRUNC"
---   flags.prot(3)                --> "PROT_READ|PROT_WRITE"
---   flags.mmap(0x22)             --> "MAP_PRIVATE|MAP_ANONYMOUS"
---   flags.clone(0x1200011)       --> "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"
local native = require("luatrace.sys")
local signals = require("signals")

local M = {}

local sets = {}
for _, name in ipairs{"open", "prot", "mmap", "clone"} do sets[name] = native.flags(name) end

-- decode names the bits of v found in set (ordered, multi-bit names first)
-- after the prefix parts, and appends what is left in hex.
local function decode(v, set, parts)
  for _, f in ipairs(set) do
    local name, bits = f[1], f[2]
    if bits ~= 0 and u64.band(v, bits) == bits then
      parts[#parts + 1] = name
      v = u64.band(v, u64.bnot(bits))
    end
  end
  if v ~= 0 then parts[#parts + 1] = hex(v) end
  return table.concat(parts, "|")
end

-- number checks a flags argument; the error points at the caller of the
-- public function (gopher-lua counts levels from error() itself: 4 is
-- number -> M.x -> caller).
local function number(v, what)
  if type(v) == "number" or (type(v) == "string" and v:match("^0x%x+$")) then return v end
  error(what .. " expects a number (or a \"0x...\" string), got " .. type(v), 4)
end

local access = {[0] = "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"}

--- open(2)/openat(2) flags: the access mode (O_RDONLY, O_WRONLY, O_RDWR)
--- first, then the other flags. flags.open(0x241) is
--- "O_WRONLY|O_CREAT|O_TRUNC"; flags.open(0) is "O_RDONLY".
function M.open(v)
  v = number(v, "flags.open")
  return decode(u64.band(v, u64.bnot(3)), sets.open, {access[u64.band(v, 3)]})
end

--- mmap(2)/mprotect(2) protection: "PROT_READ|PROT_EXEC"; 0 is "PROT_NONE".
function M.prot(v)
  v = number(v, "flags.prot")
  if v == 0 then return "PROT_NONE" end
  return decode(v, sets.prot, {})
end

--- mmap(2) flags: "MAP_PRIVATE|MAP_ANONYMOUS".
function M.mmap(v)
  v = number(v, "flags.mmap")
  return decode(v, sets.mmap, {})
end

--- clone(2) flags: the CLONE_ bits, then the exit signal of the low byte
--- by name: "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD".
function M.clone(v)
  v = number(v, "flags.clone")
  local sig = u64.band(v, 0xff)
  local s = decode(u64.band(v, u64.bnot(0xff)), sets.clone, {})
  if sig ~= 0 then
    local name = signals.name(sig) or tostring(sig)
    s = (s == "") and name or (s .. "|" .. name)
  end
  return s
end

--- The value of a flag name of any set ("O_CREAT" → 64), or nil.
function M.value(name)
  if name == "O_RDONLY" then return 0 end
  for _, set in pairs(sets) do
    for _, f in ipairs(set) do
      if f[1] == name then return f[2] end
    end
  end
  if name == "O_WRONLY" then return 1 elseif name == "O_RDWR" then return 2 end
  return nil
end

return M
