# The shipped listen script on inet_listen (fexit or kretprobe): a workload
# in a new network namespace listening on 127.0.0.1:4242, backlog 7.
. /lib.sh
start_trace /tmp/listen.out /s/listen.lua
mkfifo /tmp/hold
listenns 4242 7 newns </tmp/hold >/tmp/ln.out &
exec 3>/tmp/hold
wait_for /tmp/ln.out .
set -- $(cat /tmp/ln.out)
pid=$1 netns=$2
wait_for /tmp/listen.out "^$pid "
stop_trace
exec 3>&-
init_ns=$(readlink /proc/self/ns/net | tr -dc 0-9)
[ "$netns" != "$init_ns" ] || { echo "the workload did not get a new namespace"; exit 1; }
set -- $(grep "^$pid " /tmp/listen.out)
expect_eq "comm" "$2" "listenns"
expect_eq "address" "$3" "127.0.0.1"
expect_eq "port" "$4" "4242"
expect_eq "backlog" "$5" "7"
expect_eq "netns" "$6" "$netns"
# The kernel function path, not the tracepoint fallback.
if grep -q "skipping optional probe" /tmp/listen.out.err; then cat /tmp/listen.out.err; exit 1; fi
