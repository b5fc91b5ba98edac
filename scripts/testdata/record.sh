#!/bin/sh
# Records the tools' fixtures (run as root from this folder; needs the
# workloads of test/workloads built into $W and luatrace as $LUATRACE).
# Then: luatrace test -update scripts/testdata writes the expected outputs.
set -e
W=${W:?folder of the built test workloads}
L=${LUATRACE:-luatrace}
rec() { name=$1; shift; "$L" record -o "$name.ltrec" "$@" >/dev/null; }
rec execsnoop -c "sh -c '/bin/true; /bin/echo hi >/dev/null'" execsnoop
rec opensnoop -c "$W/openat /etc/hostname 3" opensnoop
rec syscount -c "$W/syscalls 20" syscount
rec exitsnoop -c "$W/forks 3" exitsnoop
rec pidpersec -c "$W/forks 5" pidpersec
rec naptime -c "$W/naps 3 5" naptime
# Timed in the kernel (stamps, since()): the maps' keys and values are
# recorded as the kernel computed them.
rec runqlat -c "$W/naps 5 5" runqlat
rec cpudist -c "$W/naps 5 5" cpudist
rec offcputime -c "$W/naps 2 5" offcputime -U -m 1000
rec statsnoop -c "ls -l /etc/hostname" statsnoop
# -i: its headers show the time of the interval (the recorded time in a replay).
rec funccount -c "$W/naps 3 400" funccount -i 1 "uprobe:$W/naps:lt_*"
rec funclatency -c "$W/naps 4 2" funclatency "uprobe:$W/naps:lt_nap"
rec trace -c "$W/ufuncs 2" trace "uprobe:$W/ufuncs:lt_add \"%d %d\", arg0, arg1"
# Tools that trace the whole system get a workload started beside them and a
# duration (block and writeback completions, retransmit timers and accepts
# run in interrupt or timer context, outside the -c command).
printf 'echo hello\nexit\n' >"$W/bashreadline.in"
rec bashreadline -c "sh -c \"script -qc 'bash --norc --noprofile -i' /dev/null <$W/bashreadline.in\"" bashreadline
(sleep 0.3; dd if=/dev/zero of=/var/tmp/biolatency.dd bs=4k count=4 oflag=direct conv=fsync 2>/dev/null) &
rec biolatency biolatency -d 1; wait; rm -f /var/tmp/biolatency.dd
(sleep 0.3; dd if=/dev/zero of=/var/tmp/biosnoop.dd bs=4k count=4 oflag=direct conv=fsync 2>/dev/null) &
rec biosnoop biosnoop -d 1; wait; rm -f /var/tmp/biosnoop.dd
rec capable -c "$W/setuids" capable
rec setuids -c "$W/setuids" setuids
rec killsnoop -c "sh -c 'trap \"\" USR1; kill -USR1 \$\$; kill -0 999999 || true'" killsnoop
rec profile -c "$W/busy 300" profile -U
rec stackcount -c "$W/naps 3 2" stackcount -U tracepoint:syscalls:sys_enter_clock_nanosleep
rec vfsstat -c "cat /etc/hostname" vfsstat -i 1 1
# Dirty pages for the periodic writeback (every 5 s: dirty_writeback_centisecs).
(sleep 0.3; dd if=/dev/zero of=/var/tmp/writeback.dd bs=64k count=4 2>/dev/null) &
rec writeback writeback -d 6; wait; rm -f /var/tmp/writeback.dd
rec oomkill oomkill -d 1
rec gethostlatency -c "$W/lookup localhost 2" gethostlatency
(sleep 0.3; "$W/synretrans" 47013 47014) &
rec tcpretrans tcpretrans 3; wait
rec tcpconnect -c "$W/synretrans 47003 47004" tcpconnect
rec tcplife -c "$W/synretrans 47005 47006" tcplife
rec tcpaccept -c "$W/synretrans 47015 47016" tcpaccept
# Tools that read /proc, /sys or the kernel's symbols: the recording keeps
# what they read. listenns waits for its stdin to close, so that listen
# finds it in /proc; the drops are on loopback, in the sender's context.
rec dropwatch -c "$W/udpsend 127.0.0.1 47021 dropped 2 47022" dropwatch
rec listen -c "sh -c 'sleep 1 | $W/listenns 47031 7'" listen
rec whodeletes -c "sh -c 'cd /var/tmp && touch wd.victim && rm wd.victim && touch wd.other && mv wd.other wd.victim && rm -f wd.victim'" whodeletes /var/tmp/wd.victim
rec skb_pcap -c "$W/udpsend 127.0.0.1 47017 hi 2" skb_pcap /dev/null
# vfsread, mdflush and tcp_payload_watch need kprobes or fentry: their
# guest tests in the VM harness (test/vm/guest/tests/11_vfsread_script.sh,
# 15_tcp_payload_watch_script.sh, 32_mdflush_tool.sh) record them on
# Debian 12's 6.1 kernel and hand the files out. From the repository's top:
#   go run ./test/vm -kernel debian12-6.1-cloud -run 'vfsread|tcp_payload|mdflush' -out scripts/testdata
