--- syscalls: system call names, and pairing a call's entry with its exit.
---
--- Tools such as opensnoop need the arguments (at entry) and the result
--- (at exit) of the same call; the two tracepoints are joined by thread.
---
---   local syscalls = require("syscalls")
---   syscalls.pair("openat", {fields = {path = "str(args.filename)"}},
---     function(e) return e.path end,                 -- keep what entry knows
---     function(path, e) printf("%s = %d\n", path, e.ret) end)
---   syscalls.name(39)                                --> "getpid" (x86-64)
local M = {}

local names = require("luatrace.sys").syscalls()
local numbers = {}
for nr, name in pairs(names) do numbers[name] = nr end

--- The name of system call number nr as its syscalls tracepoints spell it
--- ("getppid", "newstat" for stat), or "syscall NR" where this machine's
--- architecture has no table (only x86-64 has one) or nr is unknown.
--- Counting tools key their in-kernel maps by number and name rows here.
function M.name(nr)
  return names[nr] or ("syscall " .. tostring(nr))
end

--- The number of the system call named name (as its tracepoints spell
--- it), or nil where it does not exist or no table is known.
function M.number(name)
  return numbers[name]
end

--- Attaches tracepoint:syscalls:sys_enter_CALL with opts (fields, filter,
--- pid, comm, optional) and sys_exit_CALL. enter(e) runs at entry and
--- returns what to keep (nil skips the call); done(kept, e) runs at the
--- exit of the same thread, with e.ret the result (negative errno on
--- failure). Returns the entry probe's handle, or nil when opts.optional
--- is set and the system call does not exist on this machine.
function M.pair(call, opts, enter, done)
  local pending = {}
  local entry = probe("tracepoint:syscalls:sys_enter_" .. call, opts, function(e)
    local kept = enter(e)
    if kept ~= nil then pending[e.tid] = kept end
  end)
  if not entry then return nil end
  local exit_opts = {fields = {ret = "args.ret"}, pid = opts.pid, comm = opts.comm}
  probe("tracepoint:syscalls:sys_exit_" .. call, exit_opts, function(e)
    local kept = pending[e.tid]
    if kept == nil then return end
    pending[e.tid] = nil
    done(kept, e)
  end)
  return entry
end

--- The status of captured field name of e as a marker for output:
--- the value when it was read, else "[fault]" and the like (a user string
--- not yet paged in at entry, for instance).
function M.text(e, name)
  local status = e:status(name)
  if status == "ok" then return e[name] end
  return "[" .. status .. "]"
end

return M
