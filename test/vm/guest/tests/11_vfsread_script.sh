# The shipped vfsread script: file name, bytes, offset and data. Recorded:
# the recording is vfsread's fixture (scripts/testdata/record.sh).
. /lib.sh
printf 'hello-vm-capture' > /tmp/known.txt
luatrace record -o /tmp/vfsread.ltrec -c "dd if=/tmp/known.txt of=/dev/null bs=64 count=1" /s/vfsread.lua > /tmp/vfsread.out 2>/tmp/vfsread.err || { cat /tmp/vfsread.err; exit 1; }
export_file /tmp/vfsread.ltrec vfsread.ltrec
line=$(grep ' known.txt ' /tmp/vfsread.out)
set -- $line
expect_eq "file" "$3" "known.txt"
expect_eq "bytes" "$4" "16"
expect_eq "offset" "$5" "16"
expect_eq "data" "$6" '"hello-vm-capture"'
head -1 /tmp/vfsread.out | grep -q '^PID ' || { echo "no header"; cat /tmp/vfsread.out; exit 1; }
