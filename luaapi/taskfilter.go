package luaapi

import (
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/attach"
	"github.com/luatrace/luatrace/bpf/collector"
)

// The pid filter (-p, -c, option pid) keeps the events of the traced
// process's tasks, and the task is the one running when the probe fires.
// Some events are about another thread: sched_switch's next_pid (the
// thread taking the CPU while the previous one still runs),
// sched_wakeup's pid (the woken thread, the waker running). A probe's
// option task = "args.NAME" names the tracepoint field holding that
// thread's id, and the pid filter tests it instead, as bcc's tools filter
// on the task the event is about: offcputime's and runqlat's switch-in
// probes use task = "args.next_pid".

// parseTask reads opts.task: "args.NAME".
func parseTask(v lua.LValue) (string, error) {
	s, ok := v.(lua.LString)
	name, isArgs := strings.CutPrefix(string(s), "args.")
	if !ok || !isArgs || !fieldName.MatchString(name) {
		return "", fmt.Errorf(`option task must name the tracepoint field holding the thread the event is about, such as "args.next_pid", got %s`, v.String())
	}
	return string(s), nil
}

// taskField finds option task's field in target t's tracepoint record.
func taskField(t *attach.Target, task string) (*collector.TaskField, error) {
	name := strings.TrimPrefix(task, "args.")
	if t.Format == nil {
		return nil, fmt.Errorf("option task names a tracepoint field, and this probe has no tracepoint record; leave it out")
	}
	f, ok := t.Format.Field(name)
	if !ok || f.Common {
		return nil, fmt.Errorf("option task: the tracepoint has no field %s (its fields are in /sys/kernel/tracing/events/%s/%s/format)", name, t.Format.Group, t.Format.Name)
	}
	if f.DataLoc || f.ArrayLen > 0 || f.Size > 4 || f.Size == 0 {
		return nil, fmt.Errorf("option task: args.%s is a %s, not a thread id", name, f.Type)
	}
	return &collector.TaskField{Offset: uint16(f.Offset), Size: uint8(f.Size)}, nil
}
