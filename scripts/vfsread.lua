-- vfsread: what processes read from files, as they read it.
--
-- Usage:  luatrace vfsread [PID] [BYTES]
--         luatrace -c 'cat /etc/hostname' vfsread
--
-- On each return of the kernel's vfs_read: the file name (from struct
-- file), the bytes returned, the file offset after the read, and the first
-- BYTES (default 64) of the data actually read (the user buffer, read at
-- return). Uses fexit where the kernel has it, else a kretprobe paired
-- with its entry. PID 0 or none traces every process.
--
-- Example output:
--   PID     COMM             FILE                      BYTES   OFFSET  DATA
--   4711    dd               known.txt                    16       16  "hello-vm-capture"

local o = require("args").parse(arg, {}, {{"PID", "number"}, {"BYTES", "number"}})
local pid, bytes = tonumber(o[1]) or 0, tonumber(o[2]) or 64
local opts = {
  fields = {
    file = "str(args.file->f_path.dentry->d_name.name)",
    data = "buf(uptr(args.buf), retval)",
    pos = "*args.pos",
  },
  filter = "retval > 0",
  optional = true,
}
if pid > 0 then opts.pid = pid end

local function show(e)
  printf("%-7d %-16s %-24s %6d %8d  %q\n", e.pid, e.comm, e.file, e.retval, e.pos, e.data:sub(1, bytes))
end

probe("BEGIN", function()
  printf("%-7s %-16s %-24s %6s %8s  %s\n", "PID", "COMM", "FILE", "BYTES", "OFFSET", "DATA")
end)
if not probe("fexit:vfs_read", opts, show) then
  opts.optional = nil
  probe("kretprobe:vfs_read", opts, show)
end
