-- execsnoop: print each program started on the system, with its
-- arguments, as execve(2) returns.
--
-- Usage:  luatrace execsnoop [-x] [SECONDS]
--         luatrace -p PID execsnoop     (PID's execs and its children's; --no-follow: PID's only)
--   -x          only failed execs
--
-- Attaches to the execve and execveat system call tracepoints: the file
-- name, the parent's pid and the arguments are read in the kernel at
-- entry, the result at exit (COMM is the program's name then, the new
-- one after a successful exec). ARGS is the file name and argv[1] on, as
-- bcc's execsnoop prints them, separated by spaces: at most 19 arguments
-- of at most 255 bytes each; a longer list ends in "...", and a longer
-- argument is cut and ends in "...". An argument the kernel cannot read
-- at entry (a page not in memory yet, rare: the caller has just written
-- it) ends the list there. RET is 0 or the error's negative number.
--
-- Example output:
--   TIME(s)  PID     PPID    COMM             RET ARGS
--   0.000    48122   48100   ls                 0 /usr/bin/ls -l /tmp
--   0.003    48123   48100   sh                -2 /usr/local/bin/nosuch --help

local o = require("args").parse(arg, {x = "flag"}, {{"SECONDS", "number"}})
local seconds = tonumber(o[1])

-- The arguments are read by three probes per system call, 8 captures
-- being the most one probe has: each gets a chunk of argv indexes.
local MAX_ARGS = 19
local chunks = {{1, 6}, {7, 14}, {15, MAX_ARGS}}

local pending = {} -- tid -> {filename =, ppid =, args = {i -> text or false}, more =}
local start

-- entry returns the fields and callback of the probe reading argv
-- indexes first..last (the first also reads the file name and the
-- parent, the last whether argv goes on).
local function entry(first, last)
  local fields = {}
  for i = first, last do fields["a" .. i] = string.format("str(((u64 *)args.argv)[%d])", i) end
  if first == 1 then
    fields.filename = "str(args.filename)"
    fields.ppid = "curtask->real_parent->tgid"
  end
  if last == MAX_ARGS then fields.more = string.format("((u64 *)args.argv)[%d]", MAX_ARGS + 1) end
  return fields, function(e)
    if first == 1 then pending[e.tid] = {filename = e.filename, ppid = e.ppid, args = {}} end
    local p = pending[e.tid]
    if p == nil then return end
    -- An argument that could not be read is false: argv's NULL end, or a
    -- page not in memory yet; either ends the list. A cut one ends in "...".
    for i = first, last do
      local status = e:status("a" .. i)
      p.args[i] = status ~= "fault" and e["a" .. i] .. (status == "truncated" and "..." or "")
    end
    if last == MAX_ARGS then p.more = e.more ~= 0 end
  end
end

-- text is the file name and the arguments up to the first unreadable one,
-- with "..." when all MAX_ARGS were read and argv goes on.
local function text(p)
  local out = {p.filename}
  for i = 1, MAX_ARGS do
    if not p.args[i] then return table.concat(out, " ") end
    out[#out + 1] = p.args[i]
  end
  if p.more then out[#out + 1] = "..." end
  return table.concat(out, " ")
end

probe("BEGIN", function()
  printf("%-8s %-7s %-7s %-16s %3s %s\n", "TIME(s)", "PID", "PPID", "COMM", "RET", "ARGS")
end)

for _, call in ipairs({"execve", "execveat"}) do
  for _, chunk in ipairs(chunks) do
    local fields, fn = entry(chunk[1], chunk[2])
    probe("tracepoint:syscalls:sys_enter_" .. call, {fields = fields}, fn)
  end
  probe("tracepoint:syscalls:sys_exit_" .. call, {fields = {ret = "args.ret"}}, function(e)
    local p = pending[e.tid]
    pending[e.tid] = nil
    if p == nil or (o.x and e.ret >= 0) then return end
    start = start or e.ts
    printf("%-8.3f %-7d %-7d %-16s %3d %s\n", (e.ts - start) / 1e9, e.pid, p.ppid or 0, e.comm, e.ret, text(p))
  end)
end

if seconds then
  probe("interval:s:" .. seconds, function() exit() end)
end
