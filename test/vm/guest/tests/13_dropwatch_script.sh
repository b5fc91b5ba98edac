# The shipped dropwatch script: UDP to closed ports on 127.0.0.1 and ::1 is
# reported with addresses, ports, protocol, reason (on kernels with drop
# reasons) and function; -v adds the kernel stack; the summary counts per
# reason and function.
. /lib.sh
start_trace /tmp/dw.out /s/dropwatch.lua -v
udpsend 127.0.0.1 9 dropped 1 40001
v6=
if ip -6 addr show dev lo | grep -q '::1'; then
	v6=1
	udpsend ::1 9 dropped 1 40002
	wait_for /tmp/dw.out '\[::1\]:40002'
fi
wait_for /tmp/dw.out ' 127.0.0.1:40001 '
stop_trace
# Drop reasons came with 5.17; before, the script prints "-".
reason=-
grep -q ' reason;' /sys/kernel/tracing/events/skb/kfree_skb/format && reason=NO_SOCKET
check_drop() { # LINE SRC DST FUNCTION
	set -- $1 "$2" "$3" "$4"
	# Loopback delivers in the sender's softirq, or in ksoftirqd when the
	# softirq was deferred (a loaded VM).
	case "$3" in udpsend | ksoftirqd/*) ;; *) expect_eq "comm" "$3" "udpsend" ;; esac
	expect_eq "protocol" "$4" "UDP"
	expect_eq "source" "$5" "$9"
	expect_eq "destination" "$6" "${10}"
	expect_eq "reason" "$7" "$reason"
	expect_eq "function" "${8%%+0x*}" "${11}"
}
check_drop "$(grep ' 127.0.0.1:40001 ' /tmp/dw.out)" 127.0.0.1:40001 127.0.0.1:9 __udp4_lib_rcv
drops=1
if [ -n "$v6" ]; then
	check_drop "$(grep '\[::1\]:40002' /tmp/dw.out)" '[::1]:40002' '[::1]:9' __udp6_lib_rcv
	drops=2
else
	echo "note: no IPv6 loopback in this VM; IPv4 only"
fi
grep -q '^        __udp4_lib_rcv+[0-9]*$' /tmp/dw.out || { echo "no kernel stack with -v"; cat /tmp/dw.out; exit 1; }
if [ "$reason" = - ]; then
	# 5.10 also frees the ICMPv6 error through kfree_skb: all are "-".
	n=$(sed -n 's/^@reason\[-\]: //p' /tmp/dw.out)
	[ "${n:-0}" -ge "$drops" ] || { echo "summary:"; cat /tmp/dw.out; exit 1; }
else
	grep -q "^@reason\[NO_SOCKET\]: $drops$" /tmp/dw.out || { echo "summary:"; cat /tmp/dw.out; exit 1; }
fi
grep -q '^@location\[__udp4_lib_rcv\]: 1$' /tmp/dw.out || { echo "summary:"; cat /tmp/dw.out; exit 1; }
