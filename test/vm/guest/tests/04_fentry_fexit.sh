# fentry/fexit through BPF trampolines; fexit also sees the entry args.
. /lib.sh
out=$(luatrace -v -c "openat /init 3" -e 'local n, m, ok = 0, 0, true
probe("fentry:do_sys_openat2", function(e) n = n + 1; ok = ok and e.args.dfd == -100 end)
probe("fexit:do_sys_openat2", function(e) m = m + 1; ok = ok and e.args.dfd == -100 and e.retval >= 3 end)
probe("END", function() printf("%d %d %s\n", n, m, tostring(ok)) end)' 2>/tmp/err) || { cat /tmp/err; exit 1; }
expect_eq "fentry/fexit" "$out" "3 3 true"
grep -q "program lt_fentry" /tmp/err || { echo "-v did not report lt_fentry:"; cat /tmp/err; exit 1; }
grep -q "program lt_fexit" /tmp/err || { echo "-v did not report lt_fexit:"; cat /tmp/err; exit 1; }
