--- signals: signal numbers and names of this machine.
---
---   local signals = require("signals")
---   signals.name(9)           --> "SIGKILL"
---   signals.number("TERM")    --> 15 (the SIG prefix is optional)
local native = require("luatrace.sys")

local M = {}

local names = native.signals()
local numbers = {}
for n, name in pairs(names) do numbers[name] = n end
numbers.SIGIOT = numbers.SIGABRT
numbers.SIGPOLL = numbers.SIGIO
numbers.SIGRTMIN = 34
numbers.SIGRTMAX = 64

--- The name of signal n ("SIGKILL" for 9, "SIGRTMIN+2" for 36), or nil;
--- 0 (the null signal kill(2) uses to test a pid) is "0".
function M.name(n)
  n = tonumber(n)
  if n == 0 then return "0" end
  return names[n]
end

--- The number of a signal name, with or without "SIG" ("KILL", "SIGKILL"),
--- or nil.
function M.number(name)
  name = tostring(name):upper()
  if name:sub(1, 3) ~= "SIG" then name = "SIG" .. name end
  return numbers[name]
end

return M
