package attach

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf/link"

	"github.com/luatrace/luatrace/bpf/collector"
)

// The syscalls tracepoints (sys_enter_NAME, sys_exit_NAME) are perf
// events the kernel closes one at a time, each after an RCU grace period
// under a global mutex: detaching tracepoint:syscalls:* took 20 to 45 s.
// A glob over many of them is served instead by one program on
// raw_syscalls:sys_enter (sys_exit) that finds the probe by system call
// number in the collector's table. Their records have the same layout,
// so fields, filters and events are unchanged. One such dispatch per
// direction can run at a time; further globs attach one by one.

// errDispatchBusy: another probe holds the dispatch of this direction.
var errDispatchBusy = errors.New("the raw_syscalls dispatch serves another probe")

// attachSyscalls attaches a group of syscalls tracepoints of one
// direction through the raw_syscalls dispatch.
func (e *Env) attachSyscalls(reqs []Request) ([]*Attachment, error) {
	exit := reqs[0].Target.syscall.exit
	e.mu.Lock()
	busy := e.dispatching[exit]
	if !busy {
		if e.dispatching == nil {
			e.dispatching = map[bool]bool{}
		}
		e.dispatching[exit] = true
	}
	e.mu.Unlock()
	if busy {
		return nil, errDispatchBusy
	}
	release := func() {
		e.mu.Lock()
		e.dispatching[exit] = false
		e.mu.Unlock()
	}
	program, event := collector.SysEnter, "sys_enter"
	if exit {
		program, event = collector.SysExit, "sys_exit"
	}
	prog, err := e.Collector.Shared(program)
	if err != nil {
		release()
		return nil, loadError(reqs[0].Target, err)
	}
	undo := func(n int) {
		for _, r := range reqs[:n] {
			e.Collector.SetSyscallProbe(exit, r.Target.syscall.nr, 0)
		}
		e.deactivate(reqs)
		release()
	}
	for i, r := range reqs {
		if err := e.setSpec(r); err != nil {
			undo(i)
			return nil, err
		}
		if err := e.Collector.SetSyscallProbe(exit, r.Target.syscall.nr, r.ID); err != nil {
			undo(i + 1)
			return nil, err
		}
	}
	l, err := link.Tracepoint("raw_syscalls", event, prog, nil)
	if err != nil {
		undo(len(reqs))
		return nil, fmt.Errorf("cannot attach raw_syscalls:%s for the %d syscalls tracepoints of %s: %s", event, len(reqs), reqs[0].Target.Spec.Raw, refusal(err, "tracepoint"))
	}
	shared := &sharedLink{link: l, refs: len(reqs), done: release}
	atts := make([]*Attachment, len(reqs))
	for i, r := range reqs {
		atts[i] = &Attachment{ID: r.ID, Target: r.Target, env: e, multi: shared, route: r.Target.syscall}
		e.attached(atts[i], ", raw_syscalls dispatch")
	}
	return atts, nil
}

// SyscallNames returns this architecture's system call names by number,
// spelled as their syscalls tracepoints are (newstat for stat), for tools
// that key counts by number in the kernel. It is empty where no table is
// generated (architectures other than x86-64).
func SyscallNames() map[uint32]string {
	names := make(map[uint32]string, len(syscallNumbers))
	for name, nr := range syscallNumbers {
		names[nr] = name
	}
	return names
}
