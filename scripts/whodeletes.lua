-- whodeletes: which process deletes (or replaces) a file.
--
-- Usage:  luatrace scripts/whodeletes.lua PATH
--
-- Reports every successful unlink, unlinkat, rename, renameat and
-- renameat2 that removes PATH: unlinking it, renaming another file over it (REPLACE), or
-- renaming it away (MOVE). For each: pid, command, parent pid and command,
-- the command line, and the call's own path argument. Relative paths are
-- resolved against the process's working directory or the directory of
-- its dirfd, read from /proc while the process lives. Short-lived
-- processes (rm, mv) are usually gone by the time the event is read; then
-- the parent comes from the kernel (captured at the call), the command
-- line from the process's exec seen by this script, and a relative path
-- is matched against the last two components of the working directory
-- (captured at the call; marked "~" as the match is on those components
-- only). A relative path under a dirfd other than the working directory
-- of an exited process cannot be resolved and is not reported.
--
-- Example output (rm of the file by a shell script, then mv over it):
--   Tracing deletions of /tmp/lt/wd/victim. Ctrl-C to end.
--   PID     COMM             PPID    PCOMM            ACTION  ARGUMENT              CMDLINE
--   29445   rm               29444   sh               UNLINK  victim ~              rm victim
--   29447   mv               29430   bash             REPLACE other -> victim ~     mv other victim

local proc = require("proc")

local target = require("args").parse(arg, {}, {{"PATH", "string"}})[1]
if not target or target == "" then
  error("usage: whodeletes.lua PATH", 0)
end

-- normalize makes an absolute path canonical: no ".", "..", "//".
local function normalize(path)
  local parts = {}
  for p in path:gmatch("[^/]+") do
    if p == ".." then
      parts[#parts] = nil
    elseif p ~= "." then
      parts[#parts + 1] = p
    end
  end
  return "/" .. table.concat(parts, "/")
end

local function join(dir, rel)
  return normalize(dir .. "/" .. rel)
end

if target:sub(1, 1) ~= "/" then
  target = join(assert(proc.cwd("self")), target)
else
  target = normalize(target)
end

local AT_FDCWD = -100

-- Command lines of processes that exec'd since the start, by pid, for
-- those that exit before their event is read.
local exec_cmdline = {}
local argv_fields = {}
for i = 0, 7 do argv_fields["a" .. i] = "str(((u64 *)args.argv)[" .. i .. "], 128)" end
local function remember_exec(e)
  local words = {}
  for i = 0, 7 do
    local w = e["a" .. i]
    if e:status("a" .. i) ~= "ok" and w == "" then break end
    words[#words + 1] = w
  end
  exec_cmdline[e.pid] = table.concat(words, " ")
end
probe("tracepoint:syscalls:sys_enter_execve", { fields = argv_fields }, remember_exec)
probe("tracepoint:syscalls:sys_enter_execveat", { fields = argv_fields }, remember_exec)
probe("tracepoint:sched:sched_process_exit", function(e)
  if e.pid == e.tid then exec_cmdline[e.pid] = nil end
end)

local function cmdline(pid)
  return proc.cmdline(pid) or exec_cmdline[pid] or "?"
end

-- resolve makes a call's path absolute. It returns the path and whether
-- it is exact; nil when it cannot be resolved.
local function resolve(e, dfd, path)
  if path:sub(1, 1) == "/" then return normalize(path), true end
  local dir
  if dfd == AT_FDCWD then
    dir = proc.cwd(e.pid)
  else
    dir = proc.fd(e.pid, dfd)
  end
  if dir then return join(dir, path), true end
  if dfd ~= AT_FDCWD then return nil end
  -- The process is gone: the kernel captured the last two components of
  -- its working directory.
  return join("/" .. e.cwd_parent .. "/" .. e.cwd, path), false
end

-- matches compares a resolved path with the target: exactly, or by its
-- trailing components when only those are known.
local function matches(path, exact)
  if exact then return path == target end
  return target:sub(-#path) == path
end

-- Captured at the call, for when /proc no longer has the process.
local identity = {
  ppid = "curtask->real_parent->tgid",
  pcomm = "curtask->real_parent->comm",
  cwd = "str(curtask->fs->pwd.dentry->d_name.name)",
  cwd_parent = "str(curtask->fs->pwd.dentry->d_parent->d_name.name)",
}
local function with_identity(extra)
  local f = {}
  for k, v in pairs(identity) do f[k] = v end
  for k, v in pairs(extra) do f[k] = v end
  return { fields = f }
end

-- A matching call is reported when it returns 0: a failed unlink
-- deletes nothing, and mv retries a refused renameat2 with renameat.
local pending = {} -- tid -> report line

local function report(e, action, path, exact)
  local pcomm = proc.comm(e.ppid) or e.pcomm
  pending[e.tid] = string.format("%-7d %-16s %-7d %-16s %-7s %-21s %s\n", e.pid, e.comm, e.ppid, pcomm, action,
    path .. (exact and "" or " ~"), cmdline(e.pid))
end

local function returned(e)
  local line = pending[e.tid]
  pending[e.tid] = nil
  if line and e.args.ret == 0 then printf("%s", line) end
end
probe("tracepoint:syscalls:sys_exit_unlink*", returned)
probe("tracepoint:syscalls:sys_exit_rename*", returned)

local function check(e, action, dfd, path)
  if e:status("path") == "fault" then return end
  local abs, exact = resolve(e, dfd, path)
  if abs and matches(abs, exact) then report(e, action, path, exact) end
end

probe("tracepoint:syscalls:sys_enter_unlink", with_identity({ path = "str(args.pathname)" }), function(e)
  check(e, "UNLINK", AT_FDCWD, e.path)
end)
probe("tracepoint:syscalls:sys_enter_unlinkat", with_identity({ path = "str(args.pathname)" }), function(e)
  check(e, "UNLINK", e.args.dfd, e.path)
end)

-- Renames: the target is removed when something is renamed over it
-- (REPLACE) or when it is renamed away (MOVE).
local function check_rename(e, olddfd, newdfd)
  local new, new_exact = resolve(e, newdfd, e.newname)
  if new and matches(new, new_exact) then
    report(e, "REPLACE", e.oldname .. " -> " .. e.newname, new_exact)
    return
  end
  local old, old_exact = resolve(e, olddfd, e.oldname)
  if old and matches(old, old_exact) then
    report(e, "MOVE", e.oldname .. " -> " .. e.newname, old_exact)
  end
end
local rename_fields = with_identity({ oldname = "str(args.oldname)", newname = "str(args.newname)" })
probe("tracepoint:syscalls:sys_enter_rename", rename_fields, function(e)
  check_rename(e, AT_FDCWD, AT_FDCWD)
end)
for _, call in ipairs({ "renameat", "renameat2" }) do
  probe("tracepoint:syscalls:sys_enter_" .. call, rename_fields, function(e)
    check_rename(e, e.args.olddfd, e.args.newdfd)
  end)
end

probe("BEGIN", function()
  printf("Tracing deletions of %s. Ctrl-C to end.\n", target)
  printf("%-7s %-16s %-7s %-16s %-7s %-21s %s\n", "PID", "COMM", "PPID", "PCOMM", "ACTION", "ARGUMENT", "CMDLINE")
end)
