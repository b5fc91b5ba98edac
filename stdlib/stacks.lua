--- stacks: what the profiling tools (profile, stackcount, offcputime)
--- share: perf's --call-graph choice, stacks as lists of frame names, and
--- counted stacks written as folded lines (flamegraph.pl's input), a pprof
--- profile (go tool pprof, speedscope, Grafana Pyroscope) or a flame graph
--- SVG that needs nothing else to view.
---
---   local stacks = require("stacks")
---   local mode, size = stacks.callgraph("profile", o["call-graph"])
---   local counts = stacks.counter()
---   counts:add({"qsortcmp", "main", "work", "cmp"}, 1)
---   stacks.write("pprof", counts:samples(), {type = "samples", unit = "count"})
local native = require("luatrace.stacks")

local M = {}

--- The values of a tool's -f: "folded" (the default of a bare -f), "pprof"
--- and "svg". For args.parse: {f = stacks.formats}.
M.formats = {"folded", "pprof", "svg"}

--- Checks a --call-graph value, perf's spelling: "fp" (frame pointers,
--- the default), "dwarf" with an optional stack size in bytes
--- ("dwarf,16384") or "buildid" (frame pointers, each frame as its file's
--- build-id and offset). Returns the mode and the ustack expression a
--- probe captures the user stack with; a bad value stops the tool (exit 2).
--- In the modes other than fp the stack is a field, not a map key: each
--- hit reaches luatrace.
function M.callgraph(tool, value)
  if value == nil or value == "fp" then return "fp", "ustack" end
  if value == "buildid" then return "buildid", "ustack(buildid)" end
  local mode, size = value:match("^(%a+),?(%d*)$")
  if mode == "dwarf" then
    if size ~= "" then return "dwarf", "ustack(dwarf, " .. size .. ")" end
    return "dwarf", "ustack(dwarf)"
  end
  io.stderr:write(tool .. ": --call-graph takes fp, dwarf[,SIZE] or buildid, got '" .. tostring(value) .. "'; see " .. tool .. " -h\n")
  exit(2)
end

-- unnamed is a frame without a symbol as stacks print it: a build-id
-- frame's "BUILDID+0xOFFSET", else its address.
local function unnamed(f)
  if f.buildid then return f.buildid .. "+" .. hex(f.addr) end
  return hex(f.addr)
end

-- name is a frame's symbol, else the user symbol in process pid (pid nil
-- for kernel stacks; a build-id frame was already looked up), else as
-- unnamed.
local function name(f, pid)
  return f.sym or (pid and not f.buildid and usym(pid, f.addr)) or unnamed(f)
end

--- Appends a captured stack's frames to out (a new list when nil),
--- outermost first, each its symbol, else the user symbol in process pid
--- (pid nil for kernel stacks), else the address.
function M.names(stack, pid, out)
  out = out or {}
  for i = #stack, 1, -1 do out[#out + 1] = name(stack[i], pid) end
  return out
end

--- Lists a captured stack's frame names as names does, innermost first
--- (the order stacks print in).
function M.frames(stack, pid)
  local out = {}
  for i = 1, #stack do out[i] = name(stack[i], pid) end
  return out
end

--- A captured stack as a map key prints: one frame per line, innermost
--- first, "sym+offset" or the address, between newlines (the layout of
--- the in-kernel maps' stack keys, for output that mixes both).
function M.lines(stack)
  local out = {"\n"}
  for i = 1, #stack do
    local f = stack[i]
    out[#out + 1] = "    " .. (f.sym and (f.sym .. "+" .. f.offset) or unnamed(f)) .. "\n"
  end
  return table.concat(out)
end

--- A counter of stacks: c:add(frames, n) adds n to the stack frames
--- (names, outermost first); c:samples() lists them as {frames = ...,
--- value = n}, least first; c:print(format, opts) writes them.
function M.counter()
  local by, list = {}, {}
  local c = {}
  function c:add(frames, n)
    local key = table.concat(frames, "\0")
    local s = by[key]
    if not s then
      s = {frames = frames, value = 0}
      by[key] = s
      list[#list + 1] = s
    end
    s.value = s.value + n
  end
  --- c:print(format, opts) writes the counts in format (see write); with
  --- no format, as bpftrace prints a map, each stack's one frame being
  --- its printed key: "@[key]: n".
  function c:print(format, opts)
    if format then
      M.write(format, c:samples(), opts)
      return
    end
    for _, s in ipairs(c:samples()) do printf("@[%s]: %d\n", s.frames[1], s.value) end
  end
  function c:samples()
    table.sort(list, function(x, y)
      if x.value ~= y.value then return x.value < y.value end
      return table.concat(x.frames, ";") < table.concat(y.frames, ";")
    end)
    return list
  end
  return c
end

--- Writes samples ({frames = {outermost, ...}, value = n}) in format:
--- "folded" lines "outer;...;inner value", least first; "pprof", a
--- gzip-compressed profile.proto whose value opts names (type, unit, and
--- period, period_type, period_unit for sampling); "svg", a flame graph
--- titled opts.title. Binary formats are best sent to a file (-o FILE).
function M.write(format, samples, opts)
  if format == "pprof" then
    printf("%s", native.pprof(samples, opts))
  elseif format == "svg" then
    printf("%s", native.svg(samples, opts))
  else
    for _, s in ipairs(samples) do
      printf("%s %d\n", table.concat(s.frames, ";"), s.value)
    end
  end
end

return M
