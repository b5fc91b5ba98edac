-- trace: print a line for each hit of a probe, with values the kernel
-- captures, in the style of bcc's trace: one or more
--   'PROBE[ (FILTER)] ["FORMAT"[, EXPR...]]'
-- arguments, where EXPR are capture expressions (args.NAME, argN, retval,
-- str(...), ->, ...) and FILTER a kernel filter.
--
-- Usage: luatrace trace [-p PID] [-n NAME] [-M MAX] [-T] [--call-graph fp|dwarf[,SIZE]|buildid]
--                       'PROBE ...' ['PROBE ...' ...]
--   -p PID   only this process
--   -n NAME  only commands whose name contains NAME
--   -M MAX   stop after MAX lines
--   -T       print a timestamp (seconds since the start)
--   --call-graph fp|dwarf[,SIZE]|buildid
--            print the user stack under each line, walked as perf's
--            option says: fp follows frame pointers in the kernel; dwarf
--            copies SIZE bytes of stack (default 8192) per hit and unwinds
--            them in luatrace with the binaries' CFI; buildid follows
--            frame pointers, each frame as its file's build-id and offset
--            (BUILDID+0xOFFSET where luatrace cannot name it)
--
-- Example output (luatrace trace -n cat 'tracepoint:syscalls:sys_enter_openat (args.flags != 0) "%s flags=%x", str(args.filename), args.flags',
-- while running cat /etc/hostname):
--   PID     TID     COMM             FUNC             -
--   29361   29361   cat              sys_enter_openat /etc/ld.so.cache flags=80000
--   29361   29361   cat              sys_enter_openat /lib/x86_64-linux-gnu/libc.so.6 flags=80000

local args = require("args")
local stacks = require("stacks")
local o = args.parse(arg, {p = "number", n = "string", M = "number", T = "flag", ["call-graph"] = "string"})
local _, ustack = stacks.callgraph("trace", o["call-graph"])
if not o[1] then
  io.stderr:write("trace: give at least one 'PROBE [(FILTER)] [\"FORMAT\", EXPR...]'; see trace -h\n")
  exit(2)
end

-- splitTop splits s at commas outside parentheses and quotes.
local function splitTop(s)
  local parts, depth, quote, cur = {}, 0, false, {}
  for c in s:gmatch(".") do
    if c == '"' then quote = not quote end
    if not quote and c == "(" then depth = depth + 1 end
    if not quote and c == ")" then depth = depth - 1 end
    if not quote and depth == 0 and c == "," then
      parts[#parts + 1] = table.concat(cur):match("^%s*(.-)%s*$")
      cur = {}
    else
      cur[#cur + 1] = c
    end
  end
  local last = table.concat(cur):match("^%s*(.-)%s*$")
  if last ~= "" then parts[#parts + 1] = last end
  return parts
end

-- parseTrace reads one argument: the probe, an optional (filter), an
-- optional "format" and its expressions.
local function parseTrace(text)
  local spec, rest = text:match("^%s*(%S+)%s*(.-)%s*$")
  local filter
  if rest:sub(1, 1) == "(" then
    local depth, stop = 0, nil
    for i = 1, #rest do
      local c = rest:sub(i, i)
      if c == "(" then depth = depth + 1 elseif c == ")" then depth = depth - 1 end
      if depth == 0 then stop = i break end
    end
    if not stop then
      io.stderr:write("trace: unbalanced ( in '" .. text .. "'; see trace -h\n")
      exit(2)
    end
    filter, rest = rest:sub(2, stop - 1), rest:sub(stop + 1):match("^%s*(.-)$")
  end
  local format, exprs = "", {}
  if rest ~= "" then
    local parts = splitTop(rest)
    format = parts[1]:match('^"(.*)"$')
    if not format then
      io.stderr:write("trace: the format must be a \"quoted\" string, got " .. parts[1] .. "; see trace -h\n")
      exit(2)
    end
    for i = 2, #parts do exprs[#exprs + 1] = parts[i] end
  end
  return spec, filter, format, exprs
end

local lines, start = 0, nil

probe("BEGIN", function()
  if o.T then printf("%-9s ", "TIME(s)") end
  printf("%-7s %-7s %-16s %-16s %s\n", "PID", "TID", "COMM", "FUNC", "-")
end)

for i = 1, #o do
  local spec, filter, format, exprs = parseTrace(o[i])
  local fields = {}
  for j, e in ipairs(exprs) do fields["v" .. j] = e end
  if o["call-graph"] then fields.ustack = ustack end
  probe(spec, {fields = fields, filter = filter, pid = o.p}, function(e)
    if o.n and not e.comm:find(o.n, 1, true) then return end
    local values = {}
    for j = 1, #exprs do values[j] = e["v" .. j] end
    start = start or e.ts
    if o.T then printf("%-9.3f ", (e.ts - start) / 1e9) end
    printf("%-7d %-7d %-16s %-16s ", e.pid, e.tid, e.comm, e.func or e.probe)
    printf(format .. "\n", unpack(values))
    if fields.ustack then printf("%s", stacks.lines(e.ustack):sub(2)) end
    lines = lines + 1
    if o.M and lines >= o.M then exit() end
  end)
end
