# Kernel modules' functions: listed with their module and probed like any
# other once the module is loaded.
. /lib.sh
modprobe dummy || { echo "no dummy module for $(uname -r)"; exit 1; }
luatrace -l 'kprobe:dummy_*' > /tmp/list
grep -qx 'kprobe:dummy_dev_init' /tmp/list || { echo "-l lacks dummy_dev_init:"; cat /tmp/list; exit 1; }
out=$(luatrace -c "ip link add lt0 type dummy" -e 'local n = 0
probe("kprobe:dummy_dev_init", function(e) n = n + 1 end)
probe("END", function() print(n) end)')
expect_eq "dummy_dev_init calls" "$out" "1"
