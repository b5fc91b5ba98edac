# Tier-1 filters, checked before anything is read: the command (through
# the BTF task pointer where the kernel has bpf_get_current_task_btf,
# 5.11+, else bpf_get_current_comm) and its negation; -c adds the process.
. /lib.sh
out=$(luatrace -c "openat /init 3" -e 'local n, m = 0, 0
probe("tracepoint:syscalls:sys_enter_openat", {filter = "comm == \"openat\""}, function(e) n = n + 1 end)
probe("tracepoint:syscalls:sys_enter_openat", {filter = "comm != \"openat\""}, function(e) m = m + 1 end)
probe("END", function() printf("%d %d\n", n, m) end)')
expect_eq "comm == and comm != (matched, other)" "$out" "3 0"
