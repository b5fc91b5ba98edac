package unwind

import (
	"container/list"
	"sync"

	"github.com/luatrace/luatrace/bpf/usym"
)

// maxParsers bounds the goroutines parsing CFI in the background.
const maxParsers = 2

// Stats counts an Unwinder's work.
type Stats struct {
	Tables        int // CFI tables parsed
	TablesDropped int // tables dropped to stay under MaxTables
	FDEs          int // FDEs in the tables now kept
	// NotReady counts frames unwound without their image's CFI because it
	// was still being parsed when the unwind could no longer wait (after
	// Stop): they followed the frame pointer instead.
	NotReady int
}

// Unwinder unwinds samples, keeping parsed CFI per image (by build-id,
// least recently used first out past MaxTables). CFI is parsed in the
// background, never by Unwind: Prepare queues the images of a process as
// soon as it is known, and an unwind that needs a table not parsed yet
// moves it to the front of the queue and waits for it (until Stop). It is
// safe for concurrent use.
type Unwinder struct {
	// MaxFrames bounds a stack; DefaultMaxFrames when 0.
	MaxFrames int
	// MaxTables bounds the images whose CFI is kept; DefaultMaxTables
	// when 0.
	MaxTables int
	// Stop, once closed, makes unwinds stop waiting for tables being
	// parsed (a Ctrl-C's grace is for the events already queued): frames
	// in those images follow the frame pointer, and Stats.NotReady counts
	// them. Set it before the first Unwind.
	Stop <-chan struct{}

	mu      sync.Mutex
	tables  map[any]*list.Element // of *tableEntry, by build-id or *usym.Image
	lru     list.List             // of parsed tables, most recently used first
	pending []*tableEntry         // queued for parsing, most urgent last
	parsers int                   // goroutines parsing
	stats   Stats
}

// tableEntry is an image's CFI, parsed or queued for parsing.
type tableEntry struct {
	key   any
	img   *usym.Image
	t     *table        // set, under Unwinder.mu, when parsed
	ready chan struct{} // closed when t is set
	elem  *list.Element // in lru once parsed
}

// NewUnwinder returns an Unwinder with the default bounds.
func NewUnwinder() *Unwinder { return &Unwinder{} }

// Stats returns the counters so far.
func (u *Unwinder) Stats() Stats {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.stats
}

// Prepare queues for parsing, in the background, the CFI and the symbol
// tables of every image p maps that is not parsed yet, so that unwinding
// and symbolizing p's stacks do not wait for them (libc's CFI takes
// milliseconds, a large Go program's a large part of a second on a busy
// machine). It returns at once.
func (u *Unwinder) Prepare(p *usym.Process) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, m := range p.Mappings {
		if m.Image != nil {
			u.entryLocked(m.Image, false)
		}
	}
}

// Wait blocks until every image queued so far is parsed, or Stop
// (tests, the benchmark): after Stop the rest is never parsed.
func (u *Unwinder) Wait() {
	u.mu.Lock()
	var waits []chan struct{}
	for _, e := range u.tables {
		if te := e.Value.(*tableEntry); te.t == nil {
			waits = append(waits, te.ready)
		}
	}
	u.mu.Unlock()
	for _, w := range waits {
		select {
		case <-w:
		case <-u.Stop:
			return
		}
	}
}

// table returns the parsed CFI of img, waiting for it to be parsed (first
// in the queue) unless Stop is closed; nil then.
func (u *Unwinder) table(img *usym.Image) *table {
	u.mu.Lock()
	e := u.entryLocked(img, true)
	if e.t != nil {
		u.lru.MoveToFront(e.elem)
		u.mu.Unlock()
		return e.t
	}
	u.mu.Unlock()
	select {
	case <-e.ready:
	case <-u.Stop:
		select {
		case <-e.ready:
		default:
			u.mu.Lock()
			u.stats.NotReady++
			u.mu.Unlock()
			return nil
		}
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	return e.t
}

// entryLocked returns img's entry, queueing it for parsing if it is new;
// urgent moves a queued one to the front of the queue (u.mu held).
func (u *Unwinder) entryLocked(img *usym.Image, urgent bool) *tableEntry {
	var key any = img
	if img.BuildID != "" {
		key = img.BuildID
	}
	if u.tables == nil {
		u.tables = map[any]*list.Element{}
	}
	if el, ok := u.tables[key]; ok {
		e := el.Value.(*tableEntry)
		if urgent && e.t == nil {
			u.promoteLocked(e)
		}
		return e
	}
	e := &tableEntry{key: key, img: img, ready: make(chan struct{})}
	// Queued entries sit in the map (so they are not queued twice) but
	// not in the LRU list, which only drops parsed tables.
	u.tables[key] = &list.Element{Value: e}
	if urgent {
		u.pending = append(u.pending, e)
	} else {
		u.pending = append([]*tableEntry{e}, u.pending...)
	}
	if u.parsers < maxParsers {
		u.parsers++
		go u.parse()
	}
	return e
}

// promoteLocked moves a queued entry to the front of the queue (u.mu
// held); an entry being parsed is not in it.
func (u *Unwinder) promoteLocked(e *tableEntry) {
	for i, q := range u.pending {
		if q == e {
			copy(u.pending[i:], u.pending[i+1:])
			u.pending[len(u.pending)-1] = e
			return
		}
	}
}

// parse runs on a goroutine of its own while the queue has entries: it
// parses their CFI and loads their symbols. After Stop it leaves the rest
// (nobody waits for them any more), so that a Ctrl-C's END has the CPU.
func (u *Unwinder) parse() {
	for {
		u.mu.Lock()
		if len(u.pending) == 0 || u.stopped() {
			u.parsers--
			u.mu.Unlock()
			return
		}
		e := u.pending[len(u.pending)-1]
		u.pending = u.pending[:len(u.pending)-1]
		u.mu.Unlock()

		t := newTable(e.img)
		e.img.LoadSymbols() // the stack's symbolization needs them next

		u.mu.Lock()
		e.t = t
		e.elem = u.lru.PushFront(e)
		u.tables[e.key] = e.elem
		u.stats.Tables++
		u.stats.FDEs += t.fdes
		u.dropLocked()
		u.mu.Unlock()
		close(e.ready)
	}
}

// stopped reports whether Stop is closed.
func (u *Unwinder) stopped() bool {
	select {
	case <-u.Stop:
		return true
	default:
		return false
	}
}

// dropLocked drops the least recently used tables past MaxTables (u.mu
// held).
func (u *Unwinder) dropLocked() {
	max := u.MaxTables
	if max <= 0 {
		max = DefaultMaxTables
	}
	for u.lru.Len() > max {
		old := u.lru.Remove(u.lru.Back()).(*tableEntry)
		delete(u.tables, old.key)
		u.stats.TablesDropped++
		u.stats.FDEs -= old.t.fdes
	}
}
