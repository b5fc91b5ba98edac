--- proc: facts about a process, read from /proc.
---
--- Each function returns the value, or nil and a sentence saying why (the
--- process has exited, permission denied), so a callback can go on:
---
---   local proc = require("proc")
---   local exe, err = proc.exe(e.pid)
---   printf("%d %s\n", e.pid, exe or ("? " .. err))
local native = require("luatrace.proc")

local M = {}

--- The command line of pid as a list of arguments ({} for kernel threads).
function M.argv(pid)
  return native.cmdline(pid)
end

--- The command line of pid as one string, arguments joined by spaces
--- (nil for kernel threads, which have none).
function M.cmdline(pid)
  local argv, err = native.cmdline(pid)
  if not argv then return nil, err end
  if #argv == 0 then return nil, "process " .. pid .. " is a kernel thread: it has no command line" end
  return table.concat(argv, " ")
end

--- The command name of pid (at most 15 characters, as e.comm).
function M.comm(pid)
  return native.comm(pid)
end

--- The parent process id of pid.
function M.ppid(pid)
  return native.ppid(pid)
end

--- The cgroup path of pid ("/user.slice/..."; cgroup v2, else the first
--- v1 hierarchy).
function M.cgroup(pid)
  return native.cgroup(pid)
end

--- The executable file of pid ("/usr/bin/bash").
function M.exe(pid)
  return native.exe(pid)
end

--- Whether process pid exists now.
function M.exists(pid)
  return native.exists(pid)
end

--- A whole file's contents, or nil.
function M.read(path)
  local f, err = io.open(path, "r")
  if not f then return nil, err end
  local s = f:read("*a")
  f:close()
  return s
end

--- The working directory of pid.
function M.cwd(pid)
  return os.readlink("/proc/" .. pid .. "/cwd")
end

--- What file descriptor fd of pid refers to ("socket:[12345]", "/etc/passwd").
function M.fd(pid, fd)
  return os.readlink("/proc/" .. pid .. "/fd/" .. fd)
end

--- The inode number of pid's network namespace.
function M.netns(pid)
  local link, err = os.readlink("/proc/" .. pid .. "/ns/net")
  if not link then return nil, err end
  return tonumber(link:match("%[(%d+)%]"))
end

return M
