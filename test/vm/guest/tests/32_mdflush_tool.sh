# The mdflush tool: a RAID0 md array of two loop devices, assembled through
# sysfs (no mdadm in the guest); a synchronous write to it sends a flush
# that mdflush shows with the writer and the array's name. Recorded: the
# recording is mdflush's fixture (scripts/testdata/record.sh).
. /lib.sh
modprobe raid0 || { echo "no raid0 module for $(uname -r)"; exit 1; }
[ -d /sys/module/md_mod ] || { echo "md_mod is not loaded"; exit 1; }
modprobe loop || [ -d /sys/module/loop ] || { echo "no loop module for $(uname -r)"; exit 1; }
for i in 0 1; do
	dd if=/dev/zero of=/tmp/md$i.img bs=1M count=8 2>/dev/null
	losetup /dev/loop$i /tmp/md$i.img || { echo "losetup loop$i failed"; exit 1; }
done
echo md0 > /sys/module/md_mod/parameters/new_array
md=/sys/block/md0/md
echo none > $md/metadata_version
echo raid0 > $md/level
echo 65536 > $md/chunk_size
echo 2 > $md/raid_disks
for i in 0 1; do
	echo 7:$i > $md/new_dev
	echo $i > $md/dev-loop$i/slot
	echo 8192 > $md/dev-loop$i/size
done
echo active > $md/array_state || { echo "array did not start:"; cat $md/array_state; dmesg | tail -5; exit 1; }
# busybox dd: conv=fsync ends the write with fsync(2), which flushes.
luatrace record -o /tmp/mdflush.ltrec -c "dd if=/dev/zero of=/dev/md0 bs=4096 count=1 conv=fsync" mdflush > /tmp/mdflush.out 2>/tmp/mdflush.err
export_file /tmp/mdflush.ltrec mdflush.ltrec
line=$(grep ' md0$' /tmp/mdflush.out | head -1)
[ -n "$line" ] || { echo "no flush of md0:"; cat /tmp/mdflush.out /tmp/mdflush.err; cat $md/array_state; ls -l /dev/md0; exit 1; }
set -- $line
expect_eq "comm" "$3" "dd"
expect_eq "device" "$4" "md0"
