-- setuids: trace the set*uid system calls: privilege changes.
--
-- Usage: luatrace setuids [-p PID] [-d SECONDS]
--   -p PID      only this process
--   -d SECONDS  stop after SECONDS
--
-- Covers setuid, setfsuid, setreuid and setresuid through the syscalls
-- tracepoints; UID is the caller's before the call, RET the result
-- (setfsuid returns the previous fsuid).
--
-- Example output (test/workloads/setuids.c):
--   TIME     PID    COMM             UID    SYSCALL          ARGS (RET)
--   09:35:29 1935   setuids          0      setfsuid         uid=1234 (0)
--   09:35:29 1935   setuids          0      setfsuid         uid=0 (1234)
--   09:35:29 1935   setuids          0      setresuid        ruid=-1 euid=65534 suid=-1 (0)
--   09:35:29 1935   setuids          0      setuid           uid=65534 (0)

local args = require("args")
local syscalls = require("syscalls")
local o = args.parse(arg, {p = "pid", d = "number"}, {})

probe("BEGIN", function()
  printf("%-8s %-6s %-16s %-6s %-16s %s\n", "TIME", "PID", "COMM", "UID", "SYSCALL", "ARGS (RET)")
end)

-- The arguments of each call, as name = capture; uid_t -1 means "unchanged".
local calls = {
  {"setuid", {"uid"}},
  {"setfsuid", {"uid"}},
  {"setreuid", {"ruid", "euid"}},
  {"setresuid", {"ruid", "euid", "suid"}},
}
for _, c in ipairs(calls) do
  local name, params = c[1], c[2]
  local fields = {}
  -- "uid" is the event's own field (the caller's uid): prefix the arguments.
  for _, p in ipairs(params) do fields["a_" .. p] = "(int)args." .. p end
  syscalls.pair(name, {pid = o.p, fields = fields}, function(e)
    local parts = {}
    for i, p in ipairs(params) do parts[i] = p .. "=" .. e["a_" .. p] end
    return {e.uid, table.concat(parts, " ")}
  end, function(k, e)
    printf("%-8s %-6d %-16s %-6d %-16s %s (%d)\n", strftime("%H:%M:%S", e.ts), e.pid, e.comm, k[1], name, k[2], e.ret)
  end)
end
if o.d then probe("interval:s:" .. o.d, function() exit() end) end
