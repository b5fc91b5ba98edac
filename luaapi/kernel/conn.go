// Package kernel is a runtime's connection to the kernel: the collector
// programs loaded once, the attach environment, the ring-buffer reader
// that forwards records to the goroutine that owns the Lua state, the
// probe ids handed out to attachments, and the events lost on the way to
// Lua, counted per id. It is opened on the first kernel probe, so scripts
// that only compute never need privileges.
//
// The Lua global named kernel (what the running kernel has) is another
// thing: package luaapi/lib/kernel.
package kernel

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"

	"github.com/luatrace/luatrace/bpf/attach"
	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/luaapi/diag"
)

// Conn is the connection: the collector, the attach environment, the
// reader goroutine and the per-id bookkeeping.
type Conn struct {
	// Col is the loaded collector: programs, maps, kernel memory reads.
	Col *collector.Collector
	// Env attaches the collector's programs to probe targets.
	Env *attach.Env

	// reader is opened once a program that sends records has loaded
	// (awaitRecords); readerMu guards it and stopped until then.
	readerMu sync.Mutex
	reader   *collector.Reader
	stopped  bool          // StopReading or Close came first
	stop     chan struct{} // closed by the first of them
	done     chan struct{}
	errs     io.Writer

	ids           idPool                         // owner goroutine only
	slots         [collector.MaxProbes]slotState // by slot; shared with the reader
	queued        atomic.Int64                   // events waiting for Lua
	queuedBytes   atomic.Int64                   // and their size
	maxQueueBytes atomic.Int64                   // QueueBytes, or QueueBytesUnwinding
	draining      atomic.Bool                    // StopReading: deliver the rest
	closing       atomic.Bool                    // Close: deliver nothing
	stopOnce      sync.Once
}

// Options configure the connection.
type Options struct {
	// PID limits every probe to one process (-p, -c); 0 for all.
	PID int
	// Follow extends PID to the processes started under it from now on
	// (collector.Follow); Running to those that run already, too.
	Follow, Running bool
	// Verbose, if not nil, receives a line per attachment and verifier
	// logs.
	Verbose io.Writer
	// Errors receives what the reader cannot deliver a reason for (a
	// ring buffer that failed).
	Errors io.Writer
	// Progress reports a long attach as it goes (attach.Env.Progress).
	Progress func(done, total int)
	// Interrupted stops a long attach between targets when it turns true.
	Interrupted func() bool
}

// ErrPrivileges is the one sentence shown without BPF privileges.
var ErrPrivileges = &diag.Error{
	Msg:  "luatrace needs root (or CAP_BPF and CAP_PERFMON) to attach kernel probes",
	Hint: "run it with sudo",
	Kind: diag.ErrPrivileges,
}

// Open loads the collector and starts reading its ring buffer into out.
func Open(opts Options, out Outlet) (*Conn, error) {
	if !privileged() {
		return nil, ErrPrivileges
	}
	// Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK.
	if err := rlimit.RemoveMemlock(); err != nil {
		return nil, fmt.Errorf("raise the locked-memory limit for BPF maps: %w", err)
	}
	col, err := collector.Load(collector.Options{})
	if err != nil {
		return nil, fmt.Errorf("load the collector: %w", err)
	}
	if opts.PID != 0 && opts.Follow {
		if err := col.Follow(uint32(opts.PID), opts.Running); err != nil {
			col.Close()
			return nil, fmt.Errorf("cannot follow the processes that process %d starts (--no-follow traces it alone): %w", opts.PID, err)
		}
	}
	c := &Conn{Col: col, stop: make(chan struct{}), done: make(chan struct{}), errs: opts.Errors}
	c.maxQueueBytes.Store(QueueBytes)
	if c.errs == nil {
		c.errs = io.Discard
	}
	c.Env = &attach.Env{Collector: col, PID: opts.PID, Follow: opts.Follow, Verbose: opts.Verbose, Progress: opts.Progress, Interrupted: opts.Interrupted}
	go c.awaitRecords(out)
	return c, nil
}

// awaitRecords opens the reader and runs it once a program that sends
// records has loaded; a script whose probes only update maps never maps
// the ring buffer, which costs its size in resident memory.
func (c *Conn) awaitRecords(out Outlet) {
	select {
	case <-c.Col.EventsCreated():
	case <-c.stop:
		close(c.done)
		return
	}
	rd, err := c.Col.NewReader()
	if err != nil {
		fmt.Fprintf(c.errs, "luatrace: %v\n", err)
		close(c.done)
		return
	}
	c.readerMu.Lock()
	c.reader = rd
	if c.stopped {
		rd.Stop() // Run delivers what is queued, then returns
	}
	c.readerMu.Unlock()
	c.read(out)
}

// stopReader stops the reader, or the wait for one.
func (c *Conn) stopReader() {
	c.readerMu.Lock()
	defer c.readerMu.Unlock()
	if !c.stopped {
		c.stopped = true
		close(c.stop)
	}
	if c.reader != nil {
		c.reader.Stop()
	}
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

// Close releases the connection, after END: the reader goroutine ends
// before the ring buffer is unmapped (reading it after would fault).
func (c *Conn) Close() {
	c.closing.Store(true)
	c.stopReader()
	<-c.done
	if c.reader != nil {
		c.reader.Close()
	}
	c.Col.Close()
}
