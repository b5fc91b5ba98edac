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

	ids      idPool                         // owner goroutine only
	byID     [collector.MaxProbes]binding   // by slot; owner goroutine only
	slots    [collector.MaxProbes]slotState // by slot; shared with the reader
	queued   atomic.Int64
	stopping atomic.Bool
	stopOnce sync.Once
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
	rd, err := col.NewReader()
	if err != nil {
		col.Close()
		return nil, err
	}
	k := &kernel{col: col, reader: rd, done: make(chan struct{})}
	k.env = &attach.Env{Collector: col, PID: r.opts.PID}
	if r.opts.Verbose {
		k.env.Verbose = r.stderr
	}
	k.env.Progress = r.progress.update
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
// batches, dropping (and counting) what would exceed QueueLimit.
func (k *kernel) read(r *Runtime) {
	defer close(k.done)
	err := k.reader.Run(func(batch []collector.Record) {
		n := int64(len(batch))
		if k.stopping.Load() {
			// Final drain: the owner goroutine is receiving, so wait.
			k.queued.Add(n)
			r.mail <- message{batch: batch}
			return
		}
		if k.queued.Load()+n <= QueueLimit {
			k.queued.Add(n)
			select {
			case r.mail <- message{batch: batch}:
				return
			default:
				k.queued.Add(-n)
			}
		}
		for _, rec := range batch {
			k.countDrop(rec.ProbeID())
		}
	})
	if err != nil {
		fmt.Fprintf(r.stderr, "luatrace: %v\n", err)
	}
}

// stopReader delivers what is still in the ring buffer, then stops the
// reader. Probes must already be detached.
func (k *kernel) stopReader(r *Runtime) {
	k.stopOnce.Do(func() {
		k.stopping.Store(true)
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

func (k *kernel) close() {
	k.reader.Close()
	k.col.Close()
}
