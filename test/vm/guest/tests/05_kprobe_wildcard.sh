# A kprobe wildcard attaches every match; e.func tells them apart.
. /lib.sh
out=$(luatrace -c "openat /init 6" -e 'local n = {}
probe("kprobe:do_sys_open*", function(e) n[e.func] = (n[e.func] or 0) + 1 end)
probe("END", function() print(n.do_sys_openat2) end)' 2>/tmp/err) || { cat /tmp/err; exit 1; }
expect_eq "wildcard hits on do_sys_openat2" "$out" "6"
