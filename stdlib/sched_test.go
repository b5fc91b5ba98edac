package stdlib_test

import "testing"

func TestSched(t *testing.T) {
	evalAll(t, `sched = require("sched")`, []evalCase{
		{`sched.preempted(0)`, "true"},      // TASK_RUNNING
		{`sched.preempted(0x100)`, "true"},  // TASK_REPORT_MAX: preempted
		{`sched.preempted(1)`, "false"},     // TASK_INTERRUPTIBLE
		{`sched.preempted(2)`, "false"},     // TASK_UNINTERRUPTIBLE
		{`sched.preempted(0x80)`, "false"},  // TASK_REPORT_IDLE
		{`sched.switch_filter(nil)`, "nil"}, // all threads
		{`sched.switch_filter(42)`, "args.prev_pid == 42 || args.next_pid == 42"},
		{`sched.both("a == 1", nil, "b == 2")`, "(a == 1) && (b == 2)"},
		{`sched.both(nil)`, "nil"},
		{`(function() local h = sched.histogram(false, "since(q[tid])"); return #h.into .. " " .. tostring(h.into[1] == h.hist) end)()`, "2 true"},
	})
}
