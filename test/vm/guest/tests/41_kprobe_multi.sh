# A kprobe glob attaches through one kprobe_multi link where the kernel
# has fprobe (CONFIG_FPROBE, whose trace events announce themselves in
# tracefs' README), each target with its own probe id as cookie; the
# counts are the same either way.
. /lib.sh
out=$(luatrace -v -c "openat /init 6" -e 'local n = {}
probe("kprobe:do_sys_open*", function(e) n[e.func] = (n[e.func] or 0) + 1 end)
probe("END", function() print(n.do_sys_openat2) end)' 2>/tmp/err) || { cat /tmp/err; exit 1; }
expect_eq "wildcard hits on do_sys_openat2" "$out" "6"
if grep -q fprobe /sys/kernel/tracing/README 2>/dev/null; then
	grep -q "kprobe_multi link" /tmp/err || { echo "not through kprobe_multi:"; cat /tmp/err; exit 1; }
fi
