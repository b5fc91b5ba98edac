# Kernel modules' functions: listed with their module and probed like any
# other once the module is loaded. With module BTF (5.11+) their arguments
# have names and fentry/fexit attach; without, fentry says what it needs.
. /lib.sh
modprobe dummy || { echo "no dummy module for $(uname -r)"; exit 1; }
luatrace -l 'kprobe:dummy_*' > /tmp/list
grep -qx 'kprobe:dummy_dev_init' /tmp/list || { echo "-l lacks dummy_dev_init:"; cat /tmp/list; exit 1; }
out=$(luatrace -c "ip link add lt0 type dummy" -e 'local n = 0
probe("kprobe:dummy_dev_init", {fields = {name = "str(((struct net_device *)arg0)->name)"}}, function(e) n = n + 1; print(e.name) end)
probe("END", function() print(n) end)')
expect_eq "dummy_dev_init calls" "$out" "lt0
1"
if [ -e /sys/kernel/btf/dummy ]; then
	out=$(luatrace -c "ip link add lt1 type dummy" -e '
probe("kprobe:dummy_dev_init", {fields = {name = "str(args.dev->name)"}}, function(e) print("kprobe", e.name) end)
probe("fexit:dummy_dev_init", {fields = {name = "str(args.dev->name)"}}, function(e) print("fexit", e.name, e.retval) end)' | sort)
	expect_eq "module BTF" "$out" "fexit	lt1	0
kprobe	lt1"
else
	set +e
	err=$(luatrace -e 'probe("fentry:dummy_dev_init", function() end)' 2>&1)
	set -e
	case "$err" in
	*'fentry on module functions needs module BTF (Linux 5.11+'*) ;;
	*) echo "fentry without module BTF: $err"; exit 1 ;;
	esac
fi
