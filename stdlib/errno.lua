--- errno: error numbers, names and messages of this machine's kernel.
---
--- System calls and kernel functions return -errno; every function here
--- accepts the negative form too.
---
---   local errno = require("errno")
---   if e.retval < 0 then printf("%s\n", errno.name(e.retval)) end  -- ENOENT
local native = require("luatrace.sys")

local M = {}

local names, texts = native.errnos()
local numbers = {}
for n, name in pairs(names) do numbers[name] = n end
-- Synonyms the kernel headers define with the same number.
numbers.EWOULDBLOCK = numbers.EAGAIN
numbers.EDEADLOCK = numbers.EDEADLK
numbers.ENOTSUP = numbers.EOPNOTSUPP

local function abs(n)
  n = tonumber(n)
  if n and n < 0 then return -n end
  return n
end

--- The name of error number n ("ENOENT" for 2 or -2), or nil.
function M.name(n)
  return names[abs(n)]
end

--- The number of an error name (2 for "ENOENT"), or nil.
function M.number(name)
  return numbers[name]
end

--- The message of error number n, as strerror(3): "No such file or
--- directory" for 2 or -2; "unknown error N" for numbers without one.
function M.strerror(n)
  return texts[abs(n)] or ("unknown error " .. tostring(n))
end

--- "ENOENT (No such file or directory)" for 2 or -2: the usual way to show a
--- failed call's result. Non-negative results give their number as text.
function M.describe(n)
  n = tonumber(n)
  if n == nil or n >= 0 then return tostring(n) end
  local name = names[-n]
  if not name then return M.strerror(n) end
  return name .. " (" .. texts[-n] .. ")"
end

return M
