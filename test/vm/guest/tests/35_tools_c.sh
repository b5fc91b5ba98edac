# Built-in tools start, attach and stop cleanly on this kernel (start_tool
# in lib.sh). The seed scripts and capable, vfsstat and mdflush have tests
# of their own; bashreadline and gethostlatency probe bash and a shared
# libc, which this guest lacks. Split in three to stay within the per-test
# limit on 5.10, where each probe loads a program of its own.
. /lib.sh
start_tool stackcount kprobe:vfs_read
start_tool statsnoop
start_tool syscount
start_tool tcpaccept
start_tool tcpconnect
start_tool tcplife
start_tool tcpretrans
start_tool trace 'kprobe:vfs_read "%d", arg2'
start_tool writeback
tools_ok
