# The tcpaccept tool on inet_csk_accept (its alias picks fexit, or
# kretprobe): the row of a connection to busybox's nc names nc, the
# process that accepted it, not the client or a softirq.
. /lib.sh
start_trace /tmp/ta.out -v tcpaccept -P 4300
nc -l -p 4300 </dev/null >/tmp/nc.out &
ncpid=$!
i=0
until tcpclient 4300 4301 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 50 ] || { echo "tcpclient could not connect to nc"; exit 1; }
	sleep 0.1
done
wait_for /tmp/ta.out "^$ncpid "
stop_trace
grep -q 'alias tcpaccept:accept: using f\(exit\|entry\)\|alias tcpaccept:accept: using kretprobe' /tmp/ta.out.err || { echo "alias did not pick inet_csk_accept:"; cat /tmp/ta.out.err; exit 1; }
set -- $(grep "^$ncpid " /tmp/ta.out)
expect_eq "comm" "$2" "nc"
# nc listens on a dual-stack socket: the address is IPv4-mapped there.
expect_eq "raddr" "${4#::ffff:}" "127.0.0.1"
expect_eq "rport" "$5" "4301"
expect_eq "lport" "$7" "4300"
