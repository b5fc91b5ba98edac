# Captures on kernel functions: a user string behind a kprobe argument, and
# at fexit the file name through a pointer chain plus the bytes read into
# the user buffer (entry argument, length from the return value).
. /lib.sh
out=$(luatrace -c "openat /init 2" -e 'probe("kprobe:do_sys_openat2", {fields = {path = "str(uptr(args.filename))"}},
  function(e) print(e.path) end)')
expect_eq "kprobe string" "$out" "/init
/init"
printf 'hello-vm-capture' > /tmp/known.txt
# dd reads with read(2); busybox cat would use sendfile and skip vfs_read.
out=$(luatrace -c "dd if=/tmp/known.txt of=/dev/null bs=64 count=1" -e 'probe("fexit:vfs_read", {fields = {
    name = "str(args.file->f_path.dentry->d_name.name)",
    data = "buf(uptr(args.buf), retval)"}},
  function(e) if e.name == "known.txt" and e.retval > 0 then printf("%s %d %s %s\n", e.name, e.retval, e.data, e:status("data")) end end)' 2>/dev/null)
expect_eq "fexit capture" "$out" "known.txt 16 hello-vm-capture ok"
# A kernel-side filter on a return value: only the failed opens arrive.
out=$(luatrace -c "openat /nonexistent 3" -e 'local n = 0
probe("kretprobe:do_sys_openat2", {filter = "retval < 0"}, function(e) n = n + 1 end)
probe("END", function() print(n) end)')
expect_eq "filtered kretprobe" "$out" "3"
# A kernel stack from a kprobe, symbolized from kallsyms. The top frame is
# the probed function (at +1: an ftrace-based kprobe reports the address
# after the int3 it emulates).
out=$(luatrace -c "openat /init 1" -e 'probe("kprobe:do_sys_openat2", {fields = {ks = "kstack"}},
  function(e) print(e.ks[1].sym, e.ks[1].offset <= 1, #e.ks > 2) end)')
expect_eq "kprobe stack top" "$out" "do_sys_openat2	true	true"
# The vfsread scenario on a kretprobe: the entry's buffer argument, read at
# return with the length the call returned, and the call's duration.
out=$(luatrace -c "dd if=/tmp/known.txt of=/dev/null bs=64 count=1" -e 'probe("kretprobe:vfs_read", {fields = {
    name = "str(args.file->f_path.dentry->d_name.name)",
    data = "buf(uptr(args.buf), retval)", d = "duration"}},
  function(e) if e.name == "known.txt" and e.retval > 0 then printf("%s %d %s %s\n", e.name, e.retval, e.data, tostring(e.d > 0)) end end)' 2>/dev/null)
expect_eq "kretprobe capture" "$out" "known.txt 16 hello-vm-capture true"
