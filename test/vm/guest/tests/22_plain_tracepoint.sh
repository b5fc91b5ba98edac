# A tracepoint probe that only feeds a callback runs the plain program
# (plain.bpf.c): no kernel BTF, and one copy per probe before 5.15, where
# there are no attach cookies. Its records decode as the general one's.
. /lib.sh
out=$(luatrace -v --no-follow -c "syscalls 5" -e 'local n, nr = 0, -1
probe("tracepoint:syscalls:sys_enter_getppid", function(e) n = n + 1; nr = e.args.__syscall_nr end)
probe("tracepoint:syscalls:sys_enter_getppid", {filter = "comm == \"syscalls\""}, function(e) n = n + 1 end)
probe("END", function() printf("%d %d\n", n, nr) end)' 2>/tmp/plain.err)
expect_eq "two plain probes on getppid (events, __syscall_nr)" "$out" "10 110"
expect_eq "programs" "$(grep -c 'program lt_tracepoint_plain' /tmp/plain.err)" "2"
