# A glob over the syscalls tracepoints goes through the raw_syscalls
# dispatch: each call reaches its own probe, and 32-bit (compat) calls,
# which the syscalls tracepoints skip, are skipped too: int $0x80 with
# eax 20 is getpid for i386 but would read as writev (20 on x86-64).
. /lib.sh
out=$(luatrace -v -c "syscalls 50" -e 'local n = 0
probe("tracepoint:syscalls:sys_enter_*", function(e) if e.func == "sys_enter_getppid" then n = n + 1 end end)
probe("END", function() print(n) end)' 2>/tmp/err) || { cat /tmp/err; exit 1; }
expect_eq "getppid through the dispatch" "$out" "50"
grep -q "raw_syscalls dispatch" /tmp/err || { echo "not through the dispatch:"; head /tmp/err; exit 1; }
out=$(luatrace -c "int80 50" -e 'local n = 0
probe("tracepoint:syscalls:sys_enter_*", function(e) if e.func == "sys_enter_writev" then n = n + 1 end end)
probe("END", function() print(n) end)' 2>/tmp/err) || { cat /tmp/err; exit 1; }
expect_eq "compat calls seen as writev" "$out" "ok
0"
