-- capable: trace security capability checks (cap_capable): which process
-- needed which capability, and whether it got it.
--
-- Usage: luatrace capable [-p PID] [-x] [-d SECONDS]
--   -p PID      only this process
--   -x          only denied checks (needs the tracepoint, kernel 6.14+)
--   -d SECONDS  stop after SECONDS
--
-- A probe alias: fentry:cap_capable, else kprobe:cap_capable (both see the
-- request and whether it is audited), else the capability:cap_capable
-- tracepoint (which sees the verdict instead). -v says which one is used.
--
-- Example output (chown 1:1 FILE; capability tracepoint on 6.18):
--   TIME     UID    PID    COMM             CAP  NAME                 AUDIT VERDICT
--   09:34:10 0      31700  chown            21   CAP_SYS_ADMIN        -     allow
--   09:34:10 0      31700  chown            0    CAP_CHOWN            -     allow

local args = require("args")
local o = args.parse(arg, {p = "pid", x = "flag", d = "number"}, {})

-- include/uapi/linux/capability.h
local names = {[0] = "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
  "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
  "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
  "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
  "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"}

-- cap_capable(cred, ns, cap, opts): CAP_OPT_NOAUDIT is bit 1 of opts.
alias("security:capable", {
  doc = "a capability check: cap, and audit (1, 0) or ret (0 granted, -EPERM denied)",
  try = {
    {"fentry:cap_capable", fields = {cap = "(int)arg2", audit = "(arg3 & 2) == 0"}},
    {"kprobe:cap_capable", fields = {cap = "(int)arg2", audit = "(arg3 & 2) == 0"}},
    {"tracepoint:capability:cap_capable", fields = {cap = "args.cap", ret = "args.ret"}},
  },
})

probe("BEGIN", function()
  printf("%-8s %-6s %-6s %-16s %-4s %-20s %-5s %s\n", "TIME", "UID", "PID", "COMM", "CAP", "NAME", "AUDIT", "VERDICT")
end)

probe("security:capable", {pid = o.p}, function(e)
  local verdict = "-"
  if e.ret ~= nil then verdict = (e.ret == 0) and "allow" or "deny" end
  if o.x and verdict ~= "deny" then return end
  local audit = e.audit or "-" -- 1 or 0 (a computed comparison)
  printf("%-8s %-6d %-6d %-16s %-4d %-20s %-5s %s\n", strftime("%H:%M:%S", e.ts), e.uid, e.pid, e.comm, e.cap,
    names[e.cap] or "?", tostring(audit), verdict)
end)
if o.d then probe("interval:s:" .. o.d, function() exit() end) end
