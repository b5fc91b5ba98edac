# The kprobe forms of docs/one-liners.md (lessons 6, 7 and 12), which the
# development machine's kernel cannot attach, run as the page writes them,
# each with -c WORKLOAD in front of its arguments (as the host test does).
. /lib.sh
# doc_run TEXT WORKLOAD: the page's luatrace command containing TEXT.
doc_run() {
	cmd=$(grep -F "$1" /d/one-liners.md | grep '^luatrace ' | head -1)
	if [ -z "$cmd" ]; then
		echo "no luatrace command with [$1] in one-liners.md"
		exit 1
	fi
	eval "luatrace -c '$2' ${cmd#luatrace }"
}
out=$(doc_run 'probe("kretprobe:vfs_read", bytes)' 'reads 512 100')
expect_eq "lesson 6: reads of 512 bytes" "$(echo "$out" | grep -E '^\[400, 600\) +100 ' | wc -l)" 1
out=$(doc_run 'probe("kretprobe:vfs_read", ns)' 'reads 512 100')
expect_eq "lesson 7: read times by comm" "$(echo "$out" | grep -c '^@ns\[reads\]: ')" 1
out=$(doc_run 'probe("kprobe:vfs_open"' 'openat /init 3')
expect_eq "lesson 12: open paths" "$(echo "$out" | grep -c '^open path: init$')" 3
