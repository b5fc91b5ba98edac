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
		{`(function() local h = sched.histogram(); h:add(1500); h:add(2999); h:add(999); return h.count .. " " .. h.total end)()`, "3 3"},
		{`(function() local h = sched.histogram(true); h:add(20e6); return h.total end)()`, "20"},
	})
}
