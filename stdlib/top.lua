--- top: rank counters kept in Lua tables and print them like bpftrace maps.
---
---   local top = require("top")
---   local counts = {}
---   top.add(counts, e.comm)            -- counts[e.comm] += 1
---   top.print(counts, {n = 10, name = "syscalls"})
---
--- Ranking is by value, descending; ties are broken by key so output is
--- stable from run to run.

local M = {}

--- add increments t[key] by n (default 1) and returns the new value.
function M.add(t, key, n)
  local v = (t[key] or 0) + (n or 1)
  t[key] = v
  return v
end

--- sorted returns {key, value} pairs of t, largest value first.
function M.sorted(t)
  local rows = {}
  for k, v in pairs(t) do rows[#rows + 1] = {k, v} end
  table.sort(rows, function(a, b)
    if a[2] ~= b[2] then return a[2] > b[2] end
    return tostring(a[1]) < tostring(b[1])
  end)
  return rows
end

--- print writes the top opts.n entries (all when n is nil) as
--- "@name[key]: value" lines, smallest first as bpftrace prints maps, so
--- the largest ends up next to the prompt.
function M.print(t, opts)
  opts = opts or {}
  local rows = M.sorted(t)
  local n = math.min(opts.n or #rows, #rows)
  local name = opts.name or ""
  for i = n, 1, -1 do
    printf("@%s[%s]: %s\n", name, tostring(rows[i][1]), tostring(rows[i][2]))
  end
end

return M
