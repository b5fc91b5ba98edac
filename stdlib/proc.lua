--- proc: a process's details from /proc, for callbacks that look beyond
-- the event. Every function returns nil when the process (or the file
-- descriptor) is gone; events are read after the fact, so short-lived
-- processes often are.
--
--   local proc = require("proc")
--   proc.cmdline(e.pid)         -- "rm -f /tmp/x"
--   proc.comm(e.pid)            -- "rm"
--   proc.cwd(e.pid)             -- "/home/me"
--   proc.fd(e.pid, 3)           -- "socket:[12345]", "/etc/passwd"
--   proc.netns(e.pid)           -- 4026531840 (the namespace's inode)

local M = {}

--- read(path): a whole file's contents, or nil.
function M.read(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

--- cmdline(pid): the arguments joined by spaces, or nil (also for kernel
-- threads, which have none).
function M.cmdline(pid)
  local s = M.read("/proc/" .. pid .. "/cmdline")
  if not s or s == "" then return nil end
  return (s:gsub("%z$", ""):gsub("%z", " "))
end

--- comm(pid): the command name, or nil.
function M.comm(pid)
  local s = M.read("/proc/" .. pid .. "/comm")
  return s and (s:gsub("\n$", ""))
end

--- cwd(pid): the working directory, or nil.
function M.cwd(pid)
  return (os.readlink("/proc/" .. pid .. "/cwd"))
end

--- fd(pid, fd): what the file descriptor refers to, or nil.
function M.fd(pid, fd)
  return (os.readlink("/proc/" .. pid .. "/fd/" .. fd))
end

--- netns(pid): the inode number of the process's network namespace, or nil.
function M.netns(pid)
  local link = os.readlink("/proc/" .. pid .. "/ns/net")
  return link and tonumber(link:match("%[(%d+)%]"))
end

return M
