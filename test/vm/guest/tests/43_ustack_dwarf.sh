# User stacks without frame pointers: profile --call-graph dwarf unwinds
# qsortcmp (static, -O1: no frame pointers) from its comparator through
# libc's qsort to main, on Linux 5.15 and later; 5.10 refuses it in one
# sentence. ustack(buildid) gets build-id frames from a uprobe and from a
# perf_event sample, named from the binary.
. /lib.sh
case $(uname -r) in
5.10.*)
	set +e
	err=$(luatrace -c "qsortcmp 300" profile --call-graph dwarf -U -F 99 -f 2>&1 >/dev/null)
	code=$?
	set -e
	expect_eq "dwarf refused: status" "$code" 2
	expect_eq "dwarf refused: one sentence" "$(echo "$err" | grep -c 'ustack(dwarf) needs Linux 5.15 or later; use ustack (frame pointers) on this kernel')" 1
	;;
*)
	out=$(luatrace -c "qsortcmp 1500" profile --call-graph dwarf -U -F 99 -f)
	# Samples inside qsort (cmp, msort_with_tmp, memcpy under it...): at
	# least 9 in 10 unwind through qsort and work to main, and some have
	# the leaf cmp. Which leaf is hottest depends on the emulator (under
	# TCG memcpy can outweigh cmp), so the leaf's share is not tested.
	counts=$(echo "$out" | awk '{n = $NF} /;_*qsort_r;|;msort_with_tmp|;cmp [0-9]+$/ {inside += n; if (/;main;work;/) full += n; if (/;main;work;.*;cmp [0-9]+$/) cmp += n} END {print (inside >= 5 && 10 * full >= 9 * inside && cmp > 0) ? "most" : full " of " inside " (" cmp " at cmp)"}')
	if [ "$counts" != most ]; then
		echo "$out"
	fi
	expect_eq "dwarf: samples in qsort unwound through work to main" "$counts" most
	;;
esac
# qsortcmp runs 3 s so that it still runs when the event is handled: this
# mode reads no mappings ahead, and the guest has no debug files.
out=$(luatrace -c "qsortcmp 3000" -e 'local done = false
probe("uprobe:/w/qsortcmp:work", {fields = {us = "ustack(buildid)"}}, function(e)
  if done then return end
  done = true
  printf("%s %s\n", e.us[1].sym or "?", e.us[1].buildid and "build-id" or "address")
end)')
expect_eq "buildid from a uprobe" "$out" "work build-id"
out=$(luatrace -c "qsortcmp 1500" -e 'local all, named = 0, 0
probe("profile:hz:99", {fields = {us = "ustack(buildid)"}}, function(e)
  all = all + 1
  if e.us[1] and e.us[1].buildid and e.us[1].sym then named = named + 1 end
end)
probe("END", function() print((all >= 5 and 2 * named > all) and "most" or named .. " of " .. all) end)')
expect_eq "buildid from perf_event samples: named build-id leaves" "$out" most
