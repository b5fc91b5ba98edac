--- fmt: human-readable numbers, tables and bar charts.
---
---   local fmt = require("fmt")
---   fmt.size(1536)          --> "1.5K"
---   fmt.duration(1234567)   --> "1.2ms"
---   fmt.table({{"bash", 12}, {"sshd", 3}}, {header = {"COMM", "COUNT"}})
local M = {}

local units = {"K", "M", "G", "T", "P", "E"}

--- A byte count with a binary unit and one decimal: 512 → "512",
--- 1536 → "1.5K", 2097152 → "2.0M", up to "E". Negative counts keep their
--- sign.
function M.size(n)
  n = tonumber(n)
  if n < 0 then return "-" .. M.size(-n) end
  if n < 1024 then return string.format("%d", n) end
  local i = 0
  while n >= 1024 and i < #units do
    n = n / 1024
    i = i + 1
  end
  -- 1023.96K rounds to "1024.0K": show the next unit instead.
  if string.format("%.1f", n) == "1024.0" and i < #units then
    n, i = n / 1024, i + 1
  end
  return string.format("%.1f%s", n, units[i])
end

--- A duration in nanoseconds with the unit that keeps it short:
--- 850 → "850ns", 1500 → "1.5us", 1234567 → "1.2ms", 2.5e9 → "2.5s",
--- 90e9 → "1m30s", 7200e9 → "2h0m".
function M.duration(ns)
  ns = tonumber(ns)
  if ns < 0 then return "-" .. M.duration(-ns) end
  if ns < 1e3 then return string.format("%dns", ns) end
  if ns < 1e6 then return string.format("%.1fus", ns / 1e3) end
  if ns < 1e9 then return string.format("%.1fms", ns / 1e6) end
  local s = ns / 1e9
  if s < 60 then return string.format("%.1fs", s) end
  s = math.floor(s)
  if s < 3600 then return string.format("%dm%ds", math.floor(s / 60), s % 60) end
  return string.format("%dh%dm", math.floor(s / 3600), math.floor(s % 3600 / 60))
end

local function width(s)
  -- Count UTF-8 characters, not bytes, so "µs" lines up.
  local _, n = tostring(s):gsub("[^\128-\191]", "")
  return n
end

local function pad(s, w, right)
  s = tostring(s)
  local fill = string.rep(" ", w - width(s))
  if right then return fill .. s end
  return s .. fill
end

--- Lays rows (lists of cells) out in aligned columns separated by two
--- spaces and returns the text, one line per row. opts.header is a list
--- of column titles; numbers are right-aligned, anything else left-aligned
--- (opts.align = {"l", "r", ...} overrides per column). The last column is
--- not padded.
function M.table(rows, opts)
  opts = opts or {}
  local all = {}
  if opts.header then all[1] = opts.header end
  for _, r in ipairs(rows) do all[#all + 1] = r end
  local widths, numeric, ncol = {}, {}, 0
  for _, r in ipairs(all) do ncol = math.max(ncol, #r) end
  for c = 1, ncol do
    widths[c], numeric[c] = 0, true
    for i, r in ipairs(all) do
      local v = r[c]
      if v ~= nil then widths[c] = math.max(widths[c], width(v)) end
      if (i > 1 or not opts.header) and v ~= nil and type(v) ~= "number" then numeric[c] = false end
    end
  end
  local out = {}
  for _, r in ipairs(all) do
    local cells = {}
    for c = 1, ncol do
      local v = r[c]
      if v == nil then v = "" end
      local right = numeric[c]
      if opts.align and opts.align[c] then right = opts.align[c] == "r" end
      if c == ncol and not right then cells[c] = tostring(v) else cells[c] = pad(v, widths[c], right) end
    end
    out[#out + 1] = (table.concat(cells, "  "):gsub("%s+$", ""))
  end
  return table.concat(out, "\n") .. "\n"
end

--- A bar of '@' scaled so that max fills width characters (default 40),
--- as bpftrace draws histograms; value 0 gives an empty bar.
function M.bar(value, max, width_)
  width_ = width_ or 40
  if max == nil or max <= 0 then return "" end
  return string.rep("@", math.floor(width_ * value / max))
end

--- A bar chart of a table of label = count, largest first (ties by label),
--- as text: "label  count |@@@@@@@@      |". opts.width is the bar width
--- (default 40), opts.top keeps the first N rows, opts.format formats the
--- counts (e.g. fmt.size).
function M.barchart(counts, opts)
  opts = opts or {}
  local rows, max = {}, 0
  for k, v in pairs(counts) do
    rows[#rows + 1] = {k, v}
    if v > max then max = v end
  end
  table.sort(rows, function(a, b)
    if a[2] ~= b[2] then return a[2] > b[2] end
    return tostring(a[1]) < tostring(b[1])
  end)
  local w = opts.width or 40
  local lines = {}
  for i = 1, math.min(#rows, opts.top or #rows) do
    local k, v = rows[i][1], rows[i][2]
    local shown = opts.format and opts.format(v) or v
    lines[i] = {k, shown, "|" .. pad(M.bar(v, max, w), w) .. "|"}
  end
  return M.table(lines, {align = {"l", "r", "l"}})
end

return M
