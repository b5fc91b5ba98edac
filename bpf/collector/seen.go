package collector

// Processes first seen (seen.bpf.h): a spec that captures user stacks
// makes the collector announce each process the first time one of its
// events passes, with a record of probe id NoticeProcess ahead of the
// event, so that user space can read the process's mappings while it
// still runs. An exec forgets the process, so its new image is announced
// at its next event.

// NoticeProcess is the probe id of a record announcing process
// Record.PID; such a record is a bare header.
const NoticeProcess = uint32(collectorLtSeenLimitsLT_NOTICE_PROCESS)

// MaxSeen bounds the processes remembered as announced; past it the least
// recently seen is forgotten, and announced again at its next event.
const MaxSeen = int(collectorLtSeenLimitsLT_MAX_SEEN)

const seenExec Program = "lt_seen_exec"

// NotesProcesses reports whether s captures user stacks, as a record
// field, a user sample, a map key or a part a stamp saves, and so
// announces processes.
func (s *Spec) NotesProcesses() bool {
	if s.UserStack || s.UserSample > 0 {
		return true
	}
	for _, a := range s.Aggs {
		if hasUserStack(a.Parts) {
			return true
		}
	}
	return s.Stamp != nil && hasUserStack(s.Stamp.Saved)
}

func hasUserStack(parts []KeyPart) bool {
	for _, p := range parts {
		if p.Kind == KeyUserStack {
			return true
		}
	}
	return false
}

// watchExecs attaches the exec hook that forgets processes, once.
func (c *Collector) watchExecs() error {
	c.mu.Lock()
	done := c.seenAttached
	c.seenAttached = true
	c.mu.Unlock()
	if done {
		return nil
	}
	if err := c.attachTaskHook(seenExec, "sched_process_exec"); err != nil {
		c.mu.Lock()
		c.seenAttached = false
		c.mu.Unlock()
		return err
	}
	return nil
}
