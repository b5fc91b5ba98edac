# The vfsstat tool through the vfs library's aliases: fentry on vfs_read
# and vfs_write here, so the counts include every VFS read, and dd's
# 500 reads and 500 writes are all there.
. /lib.sh
luatrace -v -c "dd if=/dev/zero of=/dev/null bs=1 count=500" vfsstat > /tmp/vfsstat.out 2>/tmp/vfsstat.err || { cat /tmp/vfsstat.err; exit 1; }
grep -q 'alias vfs:read: using fentry:vfs_read' /tmp/vfsstat.err || { echo "alias did not pick fentry:"; cat /tmp/vfsstat.err; exit 1; }
reads=0; writes=0
while read -r time r w rest; do
	case "$time" in TIME) continue ;; esac
	reads=$((reads + r)); writes=$((writes + w))
done < /tmp/vfsstat.out
# dd itself reads and writes 500 times; start-up adds a few reads.
[ "$reads" -ge 500 ] && [ "$reads" -le 520 ] || { echo "reads $reads, want 500 and a few"; cat /tmp/vfsstat.out; exit 1; }
[ "$writes" -ge 500 ] && [ "$writes" -le 510 ] || { echo "writes $writes, want 500 and a few"; cat /tmp/vfsstat.out; exit 1; }
