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
rec statsnoop -c "ls -l /etc/hostname" statsnoop
rec funccount -c "$W/ufuncs 3" funccount "uprobe:$W/ufuncs:lt_*"
rec funclatency -c "$W/naps 4 2" funclatency "uprobe:$W/naps:lt_nap"
rec trace -c "$W/ufuncs 2" trace "uprobe:$W/ufuncs:lt_add \"%d %d\", arg0, arg1"
