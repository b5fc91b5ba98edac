# luatrace mounts tracefs when nothing has, and tracepoint args decode.
. /lib.sh
grep -q tracefs /proc/mounts && { echo "tracefs already mounted"; exit 1; }
out=$(luatrace -c "syscalls 5" -e 'local n = 0
probe("tracepoint:syscalls:sys_enter_getppid", function(e) n = n + 1 end)
probe("END", function() print(n) end)')
expect_eq "getppid calls" "$out" "5"
grep -q tracefs /proc/mounts || { echo "tracefs not mounted"; exit 1; }
