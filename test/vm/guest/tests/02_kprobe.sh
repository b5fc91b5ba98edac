# kprobe with arguments named and typed from BTF.
. /lib.sh
out=$(luatrace -c "openat /etc/init.d 7" -e 'local n, dfd, names = 0, nil, {}
probe("kprobe:do_sys_openat2", function(e) n = n + 1; dfd = e.args.dfd; names[e.probe .. " " .. e.func] = true end)
probe("END", function() for k in pairs(names) do print(k) end; printf("%d %d\n", n, dfd) end)')
expect_eq "kprobe" "$out" "kprobe:do_sys_openat2 do_sys_openat2
7 -100"
