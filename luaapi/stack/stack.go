// Package stack is how captured kernel and user stacks look to Lua: a
// userdata that prints as bpftrace prints kstack and ustack and indexes
// as frames, and the symbol tables that name the frames.
package stack

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/ksym"
	"github.com/luatrace/luatrace/bpf/unwind"
	"github.com/luatrace/luatrace/bpf/usym"
	"github.com/luatrace/luatrace/luaapi/udata"
	"github.com/luatrace/luatrace/luaapi/value"
)

// Type is the stack userdata.
var Type = udata.New[*Stack]("luatrace.stack", "stack")

// Stack is a captured kernel or user stack, symbolized when created.
type Stack struct {
	frames []frame
}

type frame struct {
	addr    uint64 // with buildID: the offset in the file
	sym     string
	offset  uint64
	module  string
	buildID string // a build-id frame's file (ustack(buildid))
}

// Symbols resolve addresses for the owner goroutine; each table loads on
// first use, or the kernel's ahead of it (PreloadKernel).
type Symbols struct {
	// Stop, once closed (a Ctrl-C), makes unwinds stop waiting for unwind
	// tables still being parsed; see unwind.Unwinder.Stop.
	Stop <-chan struct{}

	kernelOnce sync.Once
	kernel     *ksym.Table
	userOnce   sync.Once
	user       *usym.Symbolizer
	unwinder   *unwind.Unwinder
	// userStacks is set once some probe captures user stacks: from then
	// on the reader snapshots every process it first sees (Observe).
	userStacks atomic.Bool
	// What unwinding cost and how it ended, for Report.
	unwound, truncated, unwindNanos atomic.Int64
	slowestUnwind                   atomic.Int64 // ns
	// lastReap is when Observe last had the store reap exited processes
	// (reader goroutine only).
	lastReap time.Time
	// unwinding is set once some probe captures ustack(dwarf); preparing
	// holds a slot per snapshot being prepared (at most cap at once).
	unwinding atomic.Bool
	preparing chan struct{}
	// byID finds the frames of a stack stored by id (a part a stamp
	// saved): the collector's stack map live, the recorded stacks in a
	// replay. Owner goroutine only.
	byID func(id uint32) ([]uint64, error)
}

// SetStackSource sets where stacks stored by id are found.
func (s *Symbols) SetStackSource(byID func(id uint32) ([]uint64, error)) { s.byID = byID }

// StackByID returns the frames of stack id; none when it is unknown.
func (s *Symbols) StackByID(id uint32) []uint64 {
	if s.byID == nil {
		return nil
	}
	frames, err := s.byID(id)
	if err != nil {
		return nil
	}
	return frames
}

// maxPreparing bounds the goroutines preparing announced processes.
const maxPreparing = 2

// reapEvery is how often Observe has snapshots of exited processes marked
// so, to expire usym.DefaultRetention later.
const reapEvery = time.Second

// Kernel returns the kernel's symbol table from /proc/kallsyms, nil when
// it is not readable. It waits for a preload under way.
func (s *Symbols) Kernel() *ksym.Table {
	s.kernelOnce.Do(func() {
		if f, err := os.Open("/proc/kallsyms"); err == nil {
			if syms, err := ksym.LoadKallsyms(f); err == nil {
				s.kernel = ksym.NewTable(syms)
			}
			f.Close()
		}
	})
	return s.kernel
}

// UseKernel makes t the kernel's symbol table (a replay's, recorded with
// the events) instead of this machine's.
func (s *Symbols) UseKernel(t *ksym.Table) {
	s.kernelOnce.Do(func() {})
	s.kernel = t
}

// UseRecordedProcesses makes user stacks resolve only through the
// mappings a replay gives (User().Store().Install), never this machine's
// processes.
func (s *Symbols) UseRecordedProcesses() { s.User().Store().UseRecordedProcesses() }

// PreloadKernel starts loading the kernel's symbol table in the
// background, for a probe that captures kernel stacks: reading kallsyms
// takes a large part of a second on a busy machine, which the first event's
// callback would otherwise spend (and after a Ctrl-C, lose to the grace
// period).
func (s *Symbols) PreloadKernel() { go s.Kernel() }

// User returns the symbolizer of processes' addresses. It is safe for
// concurrent use, as are its Store and the unwinder.
func (s *Symbols) User() *usym.Symbolizer {
	s.userOnce.Do(func() {
		s.user = usym.NewSymbolizer()
		s.unwinder = &unwind.Unwinder{Stop: s.Stop}
		s.preparing = make(chan struct{}, maxPreparing)
	})
	return s.user
}

// WantUserStacks makes Observe snapshot the processes it sees, for a
// probe that captures user stacks; unwinding says they are dwarf stacks
// (ustack(dwarf)), to be unwound in luatrace.
func (s *Symbols) WantUserStacks(unwinding bool) {
	s.userStacks.Store(true)
	if unwinding {
		s.unwinding.Store(true)
	}
}

// prepare loads p's symbol tables and, for dwarf stacks, its unwind
// tables, in the background, so that the events of a process just
// announced do not wait for them on the Lua goroutine (where a Ctrl-C
// gives them half a second). For dwarf stacks the unwinder's queue does
// it (every image once, the one an unwind waits for first); otherwise, past
// maxPreparing at once, the symbols load on first use instead.
func (s *Symbols) prepare(p *usym.Process) {
	if s.unwinding.Load() {
		s.unwinder.Prepare(p)
		return
	}
	select {
	case s.preparing <- struct{}{}:
	default:
		return
	}
	go func() {
		defer func() { <-s.preparing }()
		for _, m := range p.Mappings {
			if m.Image != nil {
				m.Image.LoadSymbols()
			}
		}
	}()
}

// Observe snapshots the mappings of the processes batch announces (the
// collector's NoticeProcess records: first seen by a probe capturing user
// stacks, or first seen since an exec), and of any other process in it
// without a snapshot yet (an announcement lost to a full ring). The
// reader goroutine calls it as records arrive, before Lua sees them, so
// that a process that exits before its events are handled, or before a
// map with its stacks is printed, is still symbolized (and unwound) from
// what it mapped.
func (s *Symbols) Observe(batch []collector.Record) {
	if !s.userStacks.Load() {
		return
	}
	store := s.User().Store()
	if now := time.Now(); now.Sub(s.lastReap) >= reapEvery {
		s.lastReap = now
		store.Reap()
	}
	last := uint32(0)
	for _, rec := range batch {
		if rec.Check() != nil {
			continue
		}
		pid := rec.PID()
		switch {
		case pid == 0:
		case rec.ProbeID() == collector.NoticeProcess:
			if p, err := store.Snapshot(int(pid)); err == nil {
				s.prepare(p)
			}
		case pid != last:
			if p := store.Process(int(pid)); p != nil && s.unwinding.Load() {
				s.unwinder.Prepare(p) // its announcement was lost
			}
		}
		last = pid
	}
}

// Unwind unwinds a user sample of process pid with CFI and frame pointers
// (unwind.DWARF) and returns the frames' addresses, innermost first, with
// the snapshot they resolve in (nil when pid was never seen alive).
func (s *Symbols) Unwind(pid int, sample *unwind.Sample) (*usym.Process, unwind.Stack) {
	p := s.User().Store().Process(pid)
	if p == nil {
		return nil, unwind.Stack{Frames: []unwind.Frame{{PC: sample.Regs.Val[unwind.RIP]}}, End: unwind.EndUnmapped}
	}
	start := time.Now()
	st := s.unwinder.Unwind(p, sample, unwind.DWARF)
	took := int64(time.Since(start))
	s.unwindNanos.Add(took)
	if took > s.slowestUnwind.Load() {
		s.slowestUnwind.Store(took) // the Lua goroutine's only
	}
	s.unwound.Add(1)
	if st.End == unwind.EndTruncated {
		s.truncated.Add(1)
	}
	return p, st
}

// Report prints what the user-space side of stacks could not do (processes
// gone before their mappings were read, whose frames stay addresses) and,
// when verbose, what unwinding cost.
func (s *Symbols) Report(w io.Writer, verbose bool) {
	if s.user == nil {
		return
	}
	st := s.user.Store().Stats()
	switch n := st.SnapshotFailures; {
	case n == 1:
		fmt.Fprintln(w, "luatrace: 1 process exited before its mappings were read: its user frames are shown as addresses")
	case n > 1:
		fmt.Fprintf(w, "luatrace: %d processes exited before their mappings were read: their user frames are shown as addresses\n", n)
	}
	if n := s.unwinder.Stats().NotReady; n > 0 {
		fmt.Fprintf(w, "luatrace: %d user frames after the stop were unwound by frame pointer: their unwind tables were still being read\n", n)
	}
	if n := s.unwound.Load(); verbose && n > 0 {
		fmt.Fprintf(w, "luatrace: unwound %d user stacks, %.1f µs each (slowest %.1f ms); %d reached the end of the copied stack (a larger ustack(dwarf, SIZE) goes further)\n",
			n, float64(s.unwindNanos.Load())/float64(n)/1e3, float64(s.slowestUnwind.Load())/1e6, s.truncated.Load())
	}
}

// New symbolizes addrs (of process pid when user) and returns the stack
// userdata.
func New(L *lua.LState, syms *Symbols, addrs []uint64, user bool, pid int) *lua.LUserData {
	return Type.Wrap(L, &Stack{frames: resolve(syms, addrs, user, pid)})
}

// FrameNames names a stack's frames, innermost first: each function, or
// its address where no symbol covers it (for metrics.FoldStack). It may
// run on any goroutine: the kernel's table is read-only once loaded, the
// user symbolizer is safe for concurrent use.
func FrameNames(syms *Symbols, addrs []uint64, user bool, pid int) []string {
	frames := resolve(syms, addrs, user, pid)
	names := make([]string, len(frames))
	for i, fr := range frames {
		names[i] = fr.sym
		if fr.sym == "" {
			names[i] = "0x" + strconv.FormatUint(fr.addr, 16)
		}
	}
	return names
}

// resolve symbolizes addrs (of process pid when user).
func resolve(syms *Symbols, addrs []uint64, user bool, pid int) []frame {
	frames := make([]frame, len(addrs))
	for i, a := range addrs {
		fr := frame{addr: a}
		if user {
			uf := syms.User().Resolve(pid, a)
			fr.sym, fr.offset, fr.module = uf.Sym, uf.Offset, uf.Module
		} else if t := syms.Kernel(); t != nil {
			if sym, off, ok := t.Resolve(a); ok {
				fr.sym, fr.offset, fr.module = sym.Name, off, sym.Module
			}
		}
		frames[i] = fr
	}
	return frames
}

// NewUnwound unwinds a user sample (ustack(dwarf)) of process pid and
// returns the stack userdata; a nil sample (a kernel thread) is an empty
// stack.
func NewUnwound(L *lua.LState, syms *Symbols, sample *unwind.Sample, pid int) *lua.LUserData {
	st := &Stack{}
	if sample != nil {
		p, us := syms.Unwind(pid, sample)
		pcs := us.PCs()
		if p == nil {
			st.frames = []frame{{addr: pcs[0]}}
		} else {
			for _, uf := range p.ResolveStack(pcs) {
				st.frames = append(st.frames, frame{addr: uf.Addr, sym: uf.Sym, offset: uf.Offset, module: uf.Module})
			}
		}
	}
	return Type.Wrap(L, st)
}

// NewBuildID names a user stack the kernel gave as build-id frames
// (ustack(buildid)) and returns the stack userdata. A frame is named
// through a file of its build-id luatrace has open (mapped by a process
// it snapshotted) or the separate debug info of that build-id; failing
// both, through pid's mappings while it runs (usym.Store.ResolveBuildIDOf).
// A frame the kernel gave as an address is resolved in pid's snapshot.
func NewBuildID(L *lua.LState, syms *Symbols, frames []usym.BuildIDFrame, pid int) *lua.LUserData {
	store := syms.User().Store()
	st := &Stack{frames: make([]frame, len(frames))}
	for i, bf := range frames {
		var uf usym.Frame
		if bf.BuildID == "" {
			uf = syms.User().Resolve(pid, bf.Addr)
		} else {
			uf = store.ResolveBuildIDOf(pid, bf)
		}
		st.frames[i] = frame{addr: uf.Addr, sym: uf.Sym, offset: uf.Offset, module: uf.Module, buildID: string(uf.BuildID)}
	}
	return Type.Wrap(L, st)
}

// Open registers the stack metatable: tostring, # and s[i] (a frame table
// with addr, sym, offset, module and, for ustack(buildid), buildid).
func Open(L *lua.LState) {
	mt := Type.Metatable(L)
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(Type.Check(L, 1).String()))
		return 1
	}))
	L.SetField(mt, "__len", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LNumber(len(Type.Check(L, 1).frames)))
		return 1
	}))
	L.SetField(mt, "__index", L.NewFunction(func(L *lua.LState) int {
		st := Type.Check(L, 1)
		i := L.CheckInt(2)
		if i < 1 || i > len(st.frames) {
			L.Push(lua.LNil)
			return 1
		}
		fr := st.frames[i-1]
		t := L.NewTable()
		t.RawSetString("addr", value.Uint(fr.addr))
		t.RawSetString("offset", value.Uint(fr.offset))
		if fr.sym != "" {
			t.RawSetString("sym", lua.LString(fr.sym))
		}
		if fr.module != "" {
			t.RawSetString("module", lua.LString(fr.module))
		}
		if fr.buildID != "" {
			t.RawSetString("buildid", lua.LString(fr.buildID))
		}
		L.Push(t)
		return 1
	}))
}

// String lays the stack out as bpftrace prints kstack/ustack: one frame
// per line, indented, "sym+offset" or the address when unknown.
func (st *Stack) String() string {
	var b strings.Builder
	b.WriteByte('\n')
	for _, fr := range st.frames {
		switch {
		case fr.sym != "":
			fmt.Fprintf(&b, "        %s+%d\n", fr.sym, fr.offset)
		case fr.buildID != "":
			fmt.Fprintf(&b, "        %s+0x%x\n", fr.buildID, fr.addr)
		default:
			fmt.Fprintf(&b, "        0x%x\n", fr.addr)
		}
	}
	return b.String()
}
