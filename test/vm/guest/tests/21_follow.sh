# -c follows the processes started under the command: a kprobe counts
# the opens of two children of a shell, not the shell's own; --no-follow
# keeps only the shell. The trailing ":" keeps sh from exec'ing the last
# command itself.
. /lib.sh
script='local n = 0
probe("kprobe:do_sys_openat2", {filter = "comm == \"openat\""}, function(e) n = n + 1 end)
probe("END", function() printf("%d\n", n) end)'
out=$(luatrace -c "sh -c 'openat /init 3; openat /init 2; :'" -e "$script")
expect_eq "kprobe in the command's children" "$out" "5"
out=$(luatrace --no-follow -c "sh -c 'openat /init 3; openat /init 2; :'" -e "$script")
expect_eq "kprobe with --no-follow" "$out" "0"
