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
rec funccount -c "$W/ufuncs 3" funccount "uprobe:$W/ufuncs:lt_*"
rec funclatency -c "$W/naps 4 2" funclatency "uprobe:$W/naps:lt_nap"
rec trace -c "$W/ufuncs 2" trace "uprobe:$W/ufuncs:lt_add \"%d %d\", arg0, arg1"
# Tools that trace the whole system get a workload started beside them and a
# duration (block and writeback completions, retransmit timers and accepts
# run in interrupt or timer context, outside the -c command).
printf 'echo hello\nexit\n' >"$W/bashreadline.in"
rec bashreadline -c "sh -c \"script -qc 'bash --norc --noprofile -i' /dev/null <$W/bashreadline.in\"" bashreadline
(sleep 0.3; dd if=/dev/zero of=/var/tmp/biolatency.dd bs=4k count=4 oflag=direct conv=fsync 2>/dev/null) &
rec biolatency biolatency -d 1; wait; rm -f /var/tmp/biolatency.dd
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
rec skb_pcap -c "$W/udpsend 127.0.0.1 47017 hi 2" skb_pcap /dev/null
