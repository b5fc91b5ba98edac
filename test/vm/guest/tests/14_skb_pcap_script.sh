# The shipped skb_pcap script: two UDP datagrams to a closed port on
# loopback, and the two ICMP errors they cause, end up in a pcap file with
# the nanosecond magic, link type RAW, and each datagram whole.
. /lib.sh
start_trace /tmp/pcap.out /s/skb_pcap.lua /tmp/lo.pcap dev=lo count=4
(sleep 60; kill -INT "$trace_pid" 2>/dev/null) &
udpsend 127.0.0.1 9 payload-one 1 40003
udpsend 127.0.0.1 9 payload-two 1 40003
wait "$trace_pid"
expect_eq "end line" "$(tail -1 /tmp/pcap.out)" "4 packets written to /tmp/lo.pcap, 0 skipped (not IP)"
expect_eq "magic" "$(od -An -tx1 -N4 /tmp/lo.pcap | tr -d ' ')" "4d3cb2a1"
expect_eq "snaplen, linktype" "$(od -An -tu4 -j16 -N8 /tmp/lo.pcap | tr -s ' ')" " 1500 101"
# First record: header at 24, lengths at 32; a 39-byte datagram, whole.
expect_eq "lengths" "$(od -An -tu4 -j32 -N8 /tmp/lo.pcap | tr -s ' ')" " 39 39"
expect_eq "first payload" "$(dd if=/tmp/lo.pcap bs=1 skip=$((40 + 28)) count=11 2>/dev/null)" "payload-one"
strings /tmp/lo.pcap | grep -q payload-two || { echo "second datagram missing"; exit 1; }
