# Entry/return pairing under concurrency on a kretprobe: 4 threads seek
# their own descriptors at once; vfs_llseek returns the offset it was
# given, so every return must see its own call's entry argument.
. /lib.sh
out=$(luatrace -c "seekers /init 4 300" -e 'local ok, bad = 0, 0
probe("kretprobe:vfs_llseek", { fields = { off = "args.offset" } }, function(e)
  if e.retval == e.off then ok = ok + 1 else bad = bad + 1 end
end)
probe("END", function() printf("%d %d\n", ok, bad) end)')
expect_eq "paired returns (matched mismatched)" "$out" "1200 0"
