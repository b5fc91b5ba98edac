package luaapi

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"

	"github.com/luatrace/luatrace/bpf/attach"
	"github.com/luatrace/luatrace/bpf/collector"
)

// kernel is the runtime's kernel side, created on the first kernel probe
// so that scripts which only compute never need privileges.
type kernel struct {
	col    *collector.Collector
	env    *attach.Env
	reader *collector.Reader
	done   chan struct{}

	ids         idPool                         // owner goroutine only
	byID        [collector.MaxProbes]binding   // by slot; owner goroutine only
	slots       [collector.MaxProbes]slotState // by slot; shared with the reader
	queued      atomic.Int64                   // events waiting for Lua
	queuedBytes atomic.Int64                   // and their size
	draining    atomic.Bool                    // stopReader: deliver the rest
	closing     atomic.Bool                    // close: deliver nothing
	stopOnce    sync.Once
}

// ErrPrivileges is the one sentence shown without BPF privileges.
var errPrivileges = fmt.Errorf("luatrace needs root (or CAP_BPF and CAP_PERFMON) to attach kernel probes; run it with sudo")

func (r *Runtime) kernelSide() (*kernel, error) {
	if r.kernel != nil {
		return r.kernel, nil
	}
	if !privileged() {
		r.unprivileged = true
		return nil, errPrivileges
	}
	// Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK.
	if err := rlimit.RemoveMemlock(); err != nil {
		return nil, fmt.Errorf("raise the locked-memory limit for BPF maps: %w", err)
	}
	col, err := collector.Load(collector.Options{})
	if err != nil {
		return nil, fmt.Errorf("load the collector: %w", err)
	}
	if r.opts.PID != 0 && r.opts.Follow {
		// Loaded after -c released its command (a probe attached from a
		// callback): what it started meanwhile is traced too.
		running := r.started && r.opts.Started != nil
		if err := col.Follow(uint32(r.opts.PID), running); err != nil {
			col.Close()
			return nil, fmt.Errorf("cannot follow the processes that process %d starts (--no-follow traces it alone): %w", r.opts.PID, err)
		}
	}
	rd, err := col.NewReader()
	if err != nil {
		col.Close()
		return nil, err
	}
	k := &kernel{col: col, reader: rd, done: make(chan struct{})}
	k.env = &attach.Env{Collector: col, PID: r.opts.PID, Follow: r.opts.Follow}
	if r.opts.Verbose {
		k.env.Verbose = r.stderr
	}
	k.env.Progress = r.progress.update
	k.env.Interrupted = r.Stopping // a Ctrl-C stops a long attach between targets
	go k.read(r)
	r.kernel = k
	return k, nil
}

// privileged checks for root or the BPF capabilities.
func privileged() bool {
	if os.Geteuid() == 0 {
		return true
	}
	var hdr = unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return false
	}
	has := func(c uint) bool { return data[c/32].Effective&(1<<(c%32)) != 0 }
	return (has(unix.CAP_BPF) && has(unix.CAP_PERFMON)) || has(unix.CAP_SYS_ADMIN)
}

// read runs on its own goroutine: it never touches Lua, only forwards
// batches, dropping (and counting) what would exceed QueueLimit events or
// QueueBytes. StopGrace after a Ctrl-C it forwards nothing more: what is
// still in the ring buffer is counted as discarded.
func (k *kernel) read(r *Runtime) {
	defer close(k.done)
	drained := r.halt.drain
	err := k.reader.Run(func(batch []collector.Record) bool {
		n, size := int64(len(batch)), batchBytes(batch)
		switch {
		case k.closing.Load():
			return false // after END: nobody will look
		case drained.over():
			k.count(batch, leftAtStop)
			return false
		case k.draining.Load():
			// Final drain: the owner goroutine is receiving until this
			// goroutine ends, so wait for it, unless a Ctrl-C's grace
			// runs out.
			k.queue(n, size)
			select {
			case r.mail <- message{batch: batch}:
				return true
			case <-drained.done:
				k.queue(-n, -size)
				k.count(batch, leftAtStop)
				return false
			}
		}
		if k.queued.Load()+n <= QueueLimit && k.queuedBytes.Load()+size <= QueueBytes {
			k.queue(n, size)
			select {
			case r.mail <- message{batch: batch}:
				return true
			default:
				k.queue(-n, -size)
			}
		}
		k.count(batch, queueFull)
		return false
	})
	if err != nil {
		fmt.Fprintf(r.stderr, "luatrace: %v\n", err)
	}
}

// queue accounts for n events of size bytes entering (or, negative,
// leaving) the queue.
func (k *kernel) queue(n, size int64) {
	k.queued.Add(n)
	k.queuedBytes.Add(size)
}

// count adds each record of batch to its probe's counter in counters.
func batchBytes(batch []collector.Record) int64 {
	var n int64
	for _, rec := range batch {
		n += int64(len(rec))
	}
	return n
}

// stopReader delivers what is still in the ring buffer, then stops the
// reader. Probes must already be detached. After a Ctrl-C this lasts until
// StopGrace has passed: the rest is counted as discarded.
func (k *kernel) stopReader(r *Runtime) {
	k.stopOnce.Do(func() {
		k.draining.Store(true)
		k.reader.Stop()
		for {
			select {
			case m := <-r.mail:
				if m.batch != nil {
					r.dispatch(m.batch)
				}
			case <-k.done:
				for {
					select {
					case m := <-r.mail:
						if m.batch != nil {
							r.dispatch(m.batch)
						}
					default:
						return
					}
				}
			}
		}
	})
}

// close releases the kernel side, after END: the reader goroutine ends
// before the ring buffer is unmapped (reading it after would fault).
func (k *kernel) close() {
	k.closing.Store(true)
	k.reader.Stop()
	<-k.done
	k.reader.Close()
	k.col.Close()
}
