# kretprobe sees each return value (a new file descriptor).
. /lib.sh
out=$(luatrace -c "openat /init 4" -e 'local n, bad = 0, 0
probe("kretprobe:do_sys_openat2", function(e) n = n + 1; if e.retval < 3 then bad = bad + 1 end end)
probe("END", function() printf("%d %d\n", n, bad) end)')
expect_eq "kretprobe returns" "$out" "4 0"
