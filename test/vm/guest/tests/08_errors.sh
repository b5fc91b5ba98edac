# Misspelt kernel functions get a suggestion and exit status 2.
. /lib.sh
set +e
err=$(luatrace -e 'probe("kprobe:do_sys_opnat2", function() end)' 2>&1)
code=$?
set -e
expect_eq "exit status" "$code" "2"
case "$err" in
*'did you mean do_sys_openat2?'*) ;;
*) echo "message: $err"; exit 1 ;;
esac
