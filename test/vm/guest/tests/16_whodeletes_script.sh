# The shipped whodeletes script: rm of the target (relative path, by a
# process gone before the event is read) and mv over it are reported with
# parent and command line; another file's removal and a failed rm are not.
# rm and mv are run by path: busybox's shell runs applets called by name in
# a fork without exec, whose command line is still the shell's.
. /lib.sh
mkdir -p /tmp/wd
cd /tmp/wd
touch victim other bystander
start_trace /tmp/wd.out /s/whodeletes.lua /tmp/wd/victim
/bin/rm bystander
/bin/rm victim
/bin/rm victim 2>/dev/null || true
touch victim
/bin/mv other victim
wait_for /tmp/wd.out ' /bin/mv other victim$'
stop_trace
expect_eq "reports" "$(grep -c -e ' UNLINK ' -e ' REPLACE ' /tmp/wd.out)" "2"
# " ~" marks a relative path matched on the captured working directory.
set -- $(grep ' UNLINK ' /tmp/wd.out | sed 's/ ~ / /')
expect_eq "rm" "$2 $4 $5 $6 $7 $8" "rm sh UNLINK victim /bin/rm victim"
expect_eq "rm parent" "$3" "$$"
set -- $(grep ' REPLACE ' /tmp/wd.out | sed 's/ ~ / /')
expect_eq "mv" "$2 $5 $6 $7 $8 $9 ${10} ${11}" "mv REPLACE other -> victim /bin/mv other victim"
