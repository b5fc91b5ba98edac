-- profile: sample stacks on every CPU at a fixed rate, for flame graphs.
--
-- Usage: luatrace profile [-F HZ] [-U | -K] [-p PID] [-f] [SECONDS]
--   -F HZ     samples per second per CPU (default 49)
--   -U        user stacks only
--   -K        kernel stacks only
--   -p PID    only this process
--   -f        folded output, one "comm;frame;...;frame count" line per
--             stack (outermost frame first, user then kernel frames), the
--             input of flamegraph.pl
--   SECONDS   stop after SECONDS (default: Ctrl-C or the -c command's exit)
--
-- Samples are counted in the kernel per (kernel stack, user stack,
-- process name); only the totals reach luatrace, at the end.
--
-- Example output (luatrace -c './busy 500' profile -U -f):
--   busy;_start;__libc_start_main;main 24
--   busy;_start;__libc_start_main;main;clock_gettime 1

local o = require("args").parse(arg, {F = "number", U = "flag", K = "flag", p = "number", f = "flag"})
local hz, seconds = o.F or 49, o[1]
if hz < 1 or hz ~= math.floor(hz) then
  io.stderr:write("profile: -F needs a whole number of samples per second, got " .. tostring(hz) .. "; see profile -h\n")
  exit(2)
end

-- User frames are symbolized with the sampled pid (part of the key), while
-- the process still runs.
local key = {}
if not o.U then key[#key + 1] = "kstack" end
if not o.K then key[#key + 1] = "ustack" key[#key + 1] = "pid" end
key[#key + 1] = "comm"
local samples = map.count{key = key, name = ""}
probe("profile:hz:" .. hz, {pid = o.p, into = samples})

if seconds then
  probe("interval:s:" .. seconds, function() exit() end)
end

-- addFrames appends a stack's frames outermost first, each its symbol, else
-- the user symbol in process pid (nil for kernel stacks), else the address
-- (usym gives the address too when it knows no symbol).
local function addFrames(frames, stack, pid)
  for i = #stack, 1, -1 do
    local f = stack[i]
    frames[#frames + 1] = f.sym or (pid and usym(pid, f.addr)) or hex(f.addr)
  end
end

if o.f then
  probe("END", function()
    for _, it in ipairs(samples:items()) do
      local k = it.key
      local frames = {k[#k]}
      -- Key order: kernel stack, user stack and pid, comm.
      if not o.K then addFrames(frames, k[#k - 2], k[#k - 1]) end
      if not o.U then addFrames(frames, k[1]) end
      printf("%s %d\n", table.concat(frames, ";"), it.value)
    end
    -- Printed in folded form: an empty map is not printed again at exit.
    samples:clear()
  end)
else
  probe("BEGIN", function()
    printf("Sampling at %d Hertz of %s stacks... Hit Ctrl-C to end.\n", hz, o.U and "user" or o.K and "kernel" or "all")
  end)
end
