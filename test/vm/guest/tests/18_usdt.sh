# USDT on Debian's 6.1 kernel: register, memory and constant arguments
# through the register fetch source, and the semaphore set only while
# the guarded probe is traced.
. /lib.sh
out=$(luatrace -c "usdtprobes 2" -e '
probe("usdt:/w/usdtprobes:lt:regs", function(e) printf("regs %d %d %s %d\n", e.arg0, e.arg1, hex(e.arg2), e.arg3) end)
probe("usdt:/w/usdtprobes:lt:mem", {filter = "arg1 < -7"}, function(e) printf("mem %d %d\n", e.arg0, e.arg1) end)
probe("usdt:/w/usdtprobes:lt:consts", function(e) printf("consts %d %d %d\n", e.arg0, e.arg1, e.arg2) end)
probe("usdt:/w/usdtprobes:lt:guarded", function(e) printf("g %d\n", e.arg0) end)' | sort)
expect_eq "usdt" "$out" "consts 5 -7 0
consts 5 -7 1
g 0
g 1
guarded 2
mem 1001 -8
regs -1 200 0x123456789abcdef -300
regs -2 201 0x123456789abcdef -300"
expect_eq "untraced semaphore" "$(usdtprobes 3)" "guarded 0"
