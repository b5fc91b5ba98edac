package collector

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
)

// MaxTraced bounds the descendants Follow tracks at once: processes
// alive or not yet reaped. Forks past it are left out and counted
// (Untraced).
const MaxTraced = int(collectorLtFollowLimitsLT_MAX_TRACED)

// The programs that keep the traced set current (follow.bpf.h).
const (
	followFork Program = "lt_follow_fork"
	followFree Program = "lt_follow_free"
)

// Follow makes specs with Follow keep root's descendants too: from now
// on, a process that root or a tracked process forks is tracked from
// before its first instruction until it is reaped. With running, root's
// descendants alive now are tracked as well, for a trace that starts after
// root has started them. root's threads are tracked by id as well, for
// filters on the thread an event is about (Spec.Task). Call it once,
// before attaching probes.
func (c *Collector) Follow(root uint32, running bool) error {
	if err := c.need(collectorMapTracedTgids); err != nil {
		return err
	}
	if err := c.track(root, 0); err != nil {
		return err
	}
	for _, p := range []struct {
		prog  Program
		event string
	}{{followFork, "sched_process_fork"}, {followFree, "sched_process_free"}} {
		if err := c.attachTaskHook(p.prog, p.event); err != nil {
			return err
		}
	}
	if running {
		return c.trackRunning(root)
	}
	return c.trackThreads(root)
}

// attachTaskHook attaches p to a scheduler tracepoint (tp_btf) for the
// collector's lifetime.
func (c *Collector) attachTaskHook(p Program, event string) error {
	prog, err := c.load(p, 0, event, ebpf.AttachNone)
	if err != nil {
		return err
	}
	defer prog.Close() // the link holds it
	l, err := link.AttachTracing(link.TracingOptions{Program: prog, AttachType: ebpf.AttachTraceRawTp})
	if err != nil {
		return fmt.Errorf("attach %s to the %s tracepoint: %w", p, event, err)
	}
	c.mu.Lock()
	c.taskLinks = append(c.taskLinks, l)
	c.mu.Unlock()
	return nil
}

// track adds process tgid; start is its start time as the kernel keeps
// it (task_struct.start_time), 0 when unknown: then any reaping of tgid
// removes it.
func (c *Collector) track(tgid uint32, start uint64) error {
	if err := c.tracedTgids.Put(tgid, start); err != nil {
		return fmt.Errorf("track process %d: %w", tgid, err)
	}
	return nil
}

// trackRunning adds root's descendants that exist now, top down: each
// process is added before its children are read, so a child it forks
// meanwhile is either listed or caught by the fork program. Processes
// that exit meanwhile are skipped. Their threads other than the main one
// are added under their own ids, for filters that test a thread named by
// the event (Spec.Task); threads started meanwhile the fork program adds.
func (c *Collector) trackRunning(root uint32) error {
	queue := []uint32{root}
	for len(queue) > 0 {
		if err := c.trackThreads(queue[0]); err != nil {
			return err
		}
		kids, err := childrenOf(queue[0])
		if err != nil {
			return err
		}
		queue = queue[1:]
		for _, k := range kids {
			if err := c.track(k, 0); err != nil {
				return err
			}
		}
		queue = append(queue, kids...)
	}
	return nil
}

// trackThreads adds process pid's threads but its main one (which has
// the process's id); none if it has exited.
func (c *Collector) trackThreads(pid uint32) error {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return nil // exited
	}
	for _, task := range tasks {
		tid, err := strconv.ParseUint(task.Name(), 10, 32)
		if err != nil || uint32(tid) == pid {
			continue
		}
		if err := c.track(uint32(tid), 0); err != nil {
			return err
		}
	}
	return nil
}

// childrenOf lists the children of every thread of process pid
// (/proc/PID/task/TID/children, CONFIG_PROC_CHILDREN); none if it has
// exited.
func childrenOf(pid uint32) ([]uint32, error) {
	files, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d/task", pid)); err == nil {
			return nil, fmt.Errorf("cannot list the children of process %d: this kernel has no /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN)", pid)
		}
		return nil, nil
	}
	var kids []uint32
	for _, f := range files {
		b, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue // the thread exited
		}
		if err != nil {
			return nil, fmt.Errorf("list the children of process %d: %w", pid, err)
		}
		for _, field := range strings.Fields(string(b)) {
			n, err := strconv.ParseUint(field, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("list the children of process %d: %q in %s", pid, field, f)
			}
			kids = append(kids, uint32(n))
		}
	}
	return kids, nil
}

// Untraced reports how many processes Follow left out because MaxTraced
// were tracked already.
func (c *Collector) Untraced() (uint64, error) {
	if err := c.need(collectorMapTracedFull); err != nil {
		return 0, err
	}
	var n uint64
	if err := c.tracedFull.Lookup(uint32(0), &n); err != nil {
		return 0, fmt.Errorf("read the count of untraced processes: %w", err)
	}
	return n, nil
}
