# Built-in tools start, attach and stop cleanly on this kernel (start_tool
# in lib.sh). The seed scripts and capable, vfsstat and mdflush have tests
# of their own; bashreadline and gethostlatency probe bash and a shared
# libc, which this guest lacks. Split in three to stay within the per-test
# limit on 5.10, where each probe loads a program of its own.
. /lib.sh
start_tool naptime
start_tool offcputime
start_tool oomkill
start_tool opensnoop
start_tool pidpersec
start_tool profile
start_tool runqlat
start_tool setuids
tools_ok
