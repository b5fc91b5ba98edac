# The capable tool: its probe alias picks fentry:cap_capable on this
# kernel (no capability tracepoint before 6.14) and chown's CAP_CHOWN
# check shows up, audited.
. /lib.sh
: > /tmp/owned
luatrace -v -c "chown 1:1 /tmp/owned" capable > /tmp/capable.out 2>/tmp/capable.err || { cat /tmp/capable.err; exit 1; }
grep -q 'alias security:capable: using fentry:cap_capable' /tmp/capable.err || { echo "alias did not pick fentry:"; cat /tmp/capable.err; exit 1; }
line=$(grep ' CAP_CHOWN ' /tmp/capable.out | head -1)
set -- $line
expect_eq "uid" "$2" "0"
expect_eq "comm" "$4" "chown"
expect_eq "cap" "$5" "0"
expect_eq "audit" "$7" "1"
expect_eq "verdict" "$8" "-"
