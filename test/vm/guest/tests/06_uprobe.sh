# uprobe/uretprobe on a static binary: exact args and 64-bit return values,
# and user stacks.
. /lib.sh
out=$(luatrace -c "ufuncs 2" -e '
probe("uprobe:/w/ufuncs:lt_add", function(e) printf("add %d %d\n", e.arg0, e.arg1) end)
probe("uretprobe:/w/ufuncs:lt_wide", function(e) printf("wide= %s\n", e.retval) end)')
expect_eq "uprobes" "$out" "add 3 4
wide= 0xdeadbeefcafebabf
add 3 4
wide= 0xdeadbeefcafebabf"
# A user stack from a uprobe, symbolized from the binary: the probed
# function is the top frame. ufuncs lingers so its mappings can be read.
out=$(luatrace -c "ufuncs 1 linger" -e 'probe("uprobe:/w/ufuncs:lt_add", {fields = {us = "ustack"}}, function(e) print(e.us[1].sym) end)')
expect_eq "user stack top" "$out" "lt_add"
