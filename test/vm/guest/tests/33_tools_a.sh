# Built-in tools start, attach and stop cleanly on this kernel (start_tool
# in lib.sh). The seed scripts and capable, vfsstat and mdflush have tests
# of their own; bashreadline and gethostlatency probe bash and a shared
# libc, which this guest lacks. Split in three to stay within the per-test
# limit on 5.10, where each probe loads a program of its own.
. /lib.sh
start_tool biolatency
start_tool biosnoop
start_tool cpudist
start_tool execsnoop
start_tool exitsnoop
start_tool funccount 'vfs_rea*'
start_tool funclatency vfs_read
start_tool killsnoop
tools_ok
