# Entry/return pairing under concurrency on a kretprobe: 4 threads seek
# their own descriptors of /init at once. The initramfs is tmpfs (or
# ramfs), whose llseek returns the offset it was given, so every return
# must see its own call's entry argument.
. /lib.sh
out=$(luatrace -c "seekers /init 4 300" -e 'local ok, bad = 0, 0
local function check(e) if e.retval == e.off then ok = ok + 1 else bad = bad + 1 end end
probe("kretprobe:shmem_file_llseek", { fields = { off = "args.offset" }, optional = true }, check)
probe("kretprobe:generic_file_llseek", { fields = { off = "args.offset" }, optional = true }, check)
probe("END", function() printf("%d %d\n", ok, bad) end)' 2>&1 | grep -v "exited with status")
expect_eq "paired returns (matched mismatched)" "$out" "1200 0"
