# Raw tracepoint via tp_btf with BTF argument names.
. /lib.sh
out=$(luatrace -c "syscalls 9" -e 'local n = 0
probe("rawtracepoint:sys_enter", function(e) if e.args.id == 110 then n = n + 1 end end)
probe("END", function() print(n) end)')
expect_eq "getppid via raw tracepoint" "$out" "9"
