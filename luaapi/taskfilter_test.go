package luaapi

import (
	"strings"
	"testing"

	"github.com/luatrace/luatrace/bpf/attach"
	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/tracefs"
)

// TestTaskField: option task finds a thread id field of the tracepoint
// record, and names what is wrong otherwise.
func TestTaskField(t *testing.T) {
	format := &tracefs.Format{Group: "sched", Name: "sched_switch", Fields: []tracefs.Field{
		{Name: "common_pid", Offset: 4, Size: 4, Common: true},
		{Name: "prev_comm", Type: "char[16]", Offset: 8, Size: 16, ArrayLen: 16},
		{Name: "prev_state", Type: "long", Offset: 32, Size: 8},
		{Name: "next_pid", Type: "pid_t", Offset: 56, Size: 4, Signed: true},
	}}
	tests := []struct {
		format *tracefs.Format
		task   string
		want   *collector.TaskField
		err    string
	}{
		{format, "args.next_pid", &collector.TaskField{Offset: 56, Size: 4}, ""},
		{format, "args.common_pid", nil, "the tracepoint has no field common_pid"},
		{format, "args.nope", nil, "the tracepoint has no field nope"},
		{format, "args.prev_comm", nil, "args.prev_comm is a char[16], not a thread id"},
		{format, "args.prev_state", nil, "args.prev_state is a long, not a thread id"},
		{nil, "args.next_pid", nil, "this probe has no tracepoint record"},
	}
	for _, tc := range tests {
		got, err := taskField(&attach.Target{Format: tc.format}, tc.task)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want one saying %q", tc.task, err, tc.err)
		case tc.err == "" && (err != nil || *got != *tc.want):
			t.Errorf("%s: %+v, %v; want %+v", tc.task, got, err, tc.want)
		}
	}
}
