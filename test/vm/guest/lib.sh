# Helpers for guest tests (sourced). expect_eq NAME GOT WANT fails the
# test with both values shown.
expect_eq() {
	if [ "$2" != "$3" ]; then
		echo "$1: got [$2], want [$3]"
		exit 1
	fi
}

# start_trace OUT ARGS...: run luatrace ARGS in the background (stdout in
# OUT, stderr in OUT.err) and wait until it printed its first line: the
# seed scripts print their header once their probes are attached.
start_trace() {
	trace_out=$1
	shift
	luatrace "$@" >"$trace_out" 2>"$trace_out.err" &
	trace_pid=$!
	wait_for "$trace_out" .
}

# stop_trace: interrupt the trace (END runs) and wait for it to exit.
stop_trace() {
	kill -INT "$trace_pid"
	wait "$trace_pid"
}

# wait_for FILE PATTERN: wait (at most 60 s) until a line of FILE matches
# the grep PATTERN; fails showing the trace's output otherwise.
wait_for() {
	i=0
	until grep -q -- "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 600 ] || { [ -n "$trace_pid" ] && ! kill -0 "$trace_pid" 2>/dev/null && ! grep -q -- "$2" "$1" 2>/dev/null; }; then
			echo "no line matching [$2] in $1:"
			cat "$1" "$trace_out.err" 2>/dev/null
			exit 1
		fi
		sleep 0.1
	done
}

# start_tool TOOL ARGS...: run a built-in tool over a short command; it
# must exit 0 with nothing on stderr but the command's status and the
# count of processes gone before their user stacks could be symbolized (a
# report, frequent in this slow guest). Failures are collected in
# tools_failed for tools_ok.
tools_failed=
start_tool() {
	t0=$(date +%s)
	set +e
	luatrace -c "sleep 0.2" "$@" >/tmp/tool.out 2>/tmp/tool.err
	code=$?
	set -e
	err=$(grep -v -e '^luatrace: command exited with status 0$' \
		-e '^luatrace: [0-9]* process.* exited before .* mappings were read' /tmp/tool.err || true)
	echo "$1: status $code, $(( $(date +%s) - t0 ))s"
	if [ "$code" != 0 ] || [ -n "$err" ]; then
		echo "$err"
		tools_failed="$tools_failed $1"
	fi
}

# tools_ok: fail the test if a start_tool failed.
tools_ok() {
	[ -z "$tools_failed" ] || { echo "failed:$tools_failed"; exit 1; }
}

# export_file PATH NAME: hand a file to the host (go run ./test/vm -out
# DIR writes it to DIR/NAME): base64 on the console, between markers,
# since the guest has no network and no shared disk.
export_file() {
	{
		echo "VMTEST FILE $2"
		base64 "$1"
		echo "VMTEST ENDFILE"
	} >/dev/console
}
