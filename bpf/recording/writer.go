package recording

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/luatrace/luatrace/bpf/collector"
)

// Options bound a recording and set when its blocks reach the file.
type Options struct {
	// MaxSize is the most bytes one file holds; the recording then goes
	// on in FILE.1, FILE.2, ... (each a complete recording file: header,
	// script, probe descriptions and symbol material are repeated).
	// 0: no limit. A file can exceed it by at most one block when the
	// repeated material alone does not fit.
	MaxSize int64
	// MaxAge rotates to the next file once a file is this old. 0: no limit.
	MaxAge time.Duration
	// MaxFiles keeps only the newest files, deleting older ones as new
	// ones open. 0: keep all.
	MaxFiles int
	// FlushBytes seals a block once it holds this many raw bytes
	// (default 1 MiB, at most MaxBlockSize).
	FlushBytes int
	// FlushInterval seals a block that holds anything this often (default
	// 1 s): a crash loses at most this long of events.
	FlushInterval time.Duration
	// Level is the zstd level (default zstd.SpeedFastest).
	Level zstd.EncoderLevel
	// Sync makes every block durable (fsync) before the next is written.
	Sync bool
}

// Defaults for Options.
const (
	DefaultFlushBytes    = 1 << 20
	DefaultFlushInterval = time.Second
)

func (o Options) withDefaults() (Options, error) {
	if o.FlushBytes <= 0 {
		o.FlushBytes = DefaultFlushBytes
	}
	if o.FlushBytes > MaxBlockSize {
		return o, fmt.Errorf("flush size of %d bytes exceeds the block limit of %d", o.FlushBytes, MaxBlockSize)
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.Level == 0 {
		o.Level = zstd.SpeedFastest
	}
	if o.MaxSize < 0 || o.MaxAge < 0 || o.MaxFiles < 0 {
		return o, errors.New("recording limits cannot be negative")
	}
	return o, nil
}

// Writer writes a recording. Its methods may be called from any
// goroutine; blocks are compressed and written by a goroutine of its own,
// so a caller waits only when two sealed blocks are already queued.
type Writer struct {
	opts Options

	mu      sync.Mutex
	cur     []byte // the block being filled
	open    int    // offset in cur of the open events item, or -1
	events  uint64 // records in cur
	sticky  []stickyItem
	invalid uint64
	stats   Stats
	closed  bool

	out      *fileSink
	blocks   chan block
	free     chan []byte
	done     chan struct{} // the sink goroutine ended
	stopTick chan struct{}
}

// Stats count what a writer did.
type Stats struct {
	// Events and Invalid are the records written and the malformed ones
	// refused.
	Events, Invalid uint64
	// RawBytes are the items' bytes before compression; FileBytes what
	// reached the files (frames and file headers).
	RawBytes, FileBytes int64
	// Blocks and Files are the frames and files written.
	Blocks, Files int
}

// block is a sealed block on its way to the file.
type block struct {
	raw    []byte
	events uint64
	// invalid counts the records refused so far, for End items.
	invalid uint64
	// sticky are the items in raw that a rotated file repeats.
	sticky []stickyItem
	// flushed is closed once raw is in the file (Flush waits on it).
	flushed chan error
	// end marks the last block: the file gets its End item.
	end bool
}

// stickyItem is an item every file of a recording carries: the script,
// probes and symbol tables once, the newest mappings per process and the
// newest drop counters.
type stickyItem struct {
	key  string
	kind Kind
	body []byte
}

// Create starts a recording at path (replacing a recording of that name
// with its rotated files). h describes the machine (see HostHeader).
func Create(path string, h Header, opts Options) (*Writer, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if h.ID == "" {
		if h.ID, err = newRecordingID(); err != nil {
			return nil, err
		}
	}
	h.Version = strconv.Itoa(VersionMajor) + "." + strconv.Itoa(VersionMinor)
	h.Sequence = 0
	out, err := createSink(path, h, opts)
	if err != nil {
		return nil, err
	}
	w := &Writer{
		opts:     opts,
		open:     -1,
		out:      out,
		blocks:   make(chan block, 2),
		free:     make(chan []byte, 4),
		done:     make(chan struct{}),
		stopTick: make(chan struct{}),
	}
	w.cur = w.newBuffer()
	go w.sinkLoop()
	go w.tickLoop()
	return w, nil
}

func (w *Writer) newBuffer() []byte {
	select {
	case b := <-w.free:
		return b[:0]
	default:
		return make([]byte, 0, w.opts.FlushBytes+w.opts.FlushBytes/4)
	}
}

// WriteRecords appends records as the collector delivered them. Records
// that fail collector.Record.Check are counted (Stats.Invalid), not
// written.
func (w *Writer) WriteRecords(recs []collector.Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range recs {
		if err := w.writeRecord(r); err != nil {
			return err
		}
	}
	return nil
}

// WriteRecord appends one record.
func (w *Writer) WriteRecord(rec collector.Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writeRecord(rec)
}

func (w *Writer) writeRecord(rec collector.Record) error {
	if w.closed {
		return errClosed
	}
	if rec.Check() != nil || len(rec) > MaxBlockSize/2 {
		w.invalid++
		return nil
	}
	if w.open < 0 {
		w.open = len(w.cur)
		w.cur = append(w.cur, byte(KindEvents), 0, 0, 0, 0)
	}
	w.cur = binary.AppendUvarint(w.cur, uint64(len(rec)))
	w.cur = append(w.cur, rec...)
	w.events++
	if len(w.cur) >= w.opts.FlushBytes {
		return w.seal(nil, false)
	}
	return nil
}

// closeEvents ends the open events item by writing its length.
func (w *Writer) closeEvents() {
	if w.open >= 0 {
		le.PutUint32(w.cur[w.open+1:], uint32(len(w.cur)-w.open-itemHeaderSize))
		w.open = -1
	}
}

// addItem appends a JSON item; sticky ones are repeated at the start of
// every later file (an item with the same stickyKey replaces the earlier
// one there).
func (w *Writer) addItem(k Kind, v any, sticky bool) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s item: %w", k, err)
	}
	if len(body)+itemHeaderSize > MaxBlockSize {
		return fmt.Errorf("%s item of %d bytes exceeds the block limit of %d", k, len(body), MaxBlockSize)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return errClosed
	}
	w.closeEvents()
	if len(w.cur)+itemHeaderSize+len(body) > MaxBlockSize {
		if err := w.seal(nil, false); err != nil {
			return err
		}
	}
	w.cur = appendItem(w.cur, k, body)
	if sticky {
		w.sticky = append(w.sticky, stickyItem{key: stickyKey(v), kind: k, body: body})
	}
	if len(w.cur) >= w.opts.FlushBytes {
		return w.seal(nil, false)
	}
	return nil
}

// stickyKey names what a sticky item describes: one script, one probe id,
// one process's mappings, one object's symbols, one set of counters.
func stickyKey(v any) string {
	switch x := v.(type) {
	case Script, *Script:
		return "script"
	case Probe:
		return "probe " + strconv.FormatUint(uint64(x.ID), 10)
	case *Probe:
		return "probe " + strconv.FormatUint(uint64(x.ID), 10)
	case Mappings:
		return "mappings " + strconv.FormatUint(uint64(x.PID), 10)
	case *Mappings:
		return "mappings " + strconv.FormatUint(uint64(x.PID), 10)
	case SymbolTable:
		return x.stickyKey()
	case *SymbolTable:
		return x.stickyKey()
	case Drops, *Drops:
		return "drops"
	case Answer:
		return "answer " + x.Question + " " + x.Arg
	case *Answer:
		return "answer " + x.Question + " " + x.Arg
	}
	return ""
}

// stickyKey: the kernel's table is one; a user object's tables each add
// symbols, told apart by their first.
func (t SymbolTable) stickyKey() string {
	k := "symbols " + t.Object + " " + t.BuildID
	if t.BuildID != "" && len(t.Symbols) > 0 {
		k += " " + strconv.FormatUint(uint64(t.Symbols[0].Addr), 16)
	}
	return k
}

// AddScript records the script that is running.
func (w *Writer) AddScript(s Script) error { return w.addItem(KindScript, s, true) }

// AddProbe records a probe's description; write it before its first
// record. A probe id that serves another probe later (a detached probe's
// slot reused) gets a new description, which applies to the records
// after it.
func (w *Writer) AddProbe(p Probe) error { return w.addItem(KindProbe, p, true) }

// AddMappings records a process's mappings; write them before the records
// whose user stacks they symbolize.
func (w *Writer) AddMappings(m Mappings) error { return w.addItem(KindMappings, m, true) }

// AddSymbols records an object's symbol table.
func (w *Writer) AddSymbols(t SymbolTable) error { return w.addItem(KindSymbols, t, true) }

// AddStack records the frames of a stack records refer to by id; write
// it before the first record that does.
func (w *Writer) AddStack(s Stack) error { return w.addItem(KindStack, s, true) }

// WriteDrops records the loss counters as they are now.
func (w *Writer) WriteDrops(d Drops) error { return w.addItem(KindDrops, d, true) }

// WriteTick records an interval probe's tick, in its place among the
// records.
func (w *Writer) WriteTick(t Tick) error { return w.addItem(KindTick, t, false) }

// AddAnswer records what the machine answered a script's question (a
// file's contents, a kernel symbol): before the record whose callback
// asked it, so that a replay has it when the callback asks again.
func (w *Writer) AddAnswer(a Answer) error { return w.addItem(KindAnswer, a, true) }

// WriteMap records a map's contents as they are now.
func (w *Writer) WriteMap(m MapSnapshot) error { return w.addItem(KindMap, m, false) }

// seal hands the current block to the sink goroutine. With flushed it is
// closed once the block is in the file.
func (w *Writer) seal(flushed chan error, end bool) error {
	if err := w.out.failed(); err != nil {
		return err
	}
	w.closeEvents()
	if len(w.cur) == 0 && flushed == nil && !end {
		return nil
	}
	b := block{raw: w.cur, events: w.events, invalid: w.invalid, sticky: w.sticky, flushed: flushed, end: end}
	w.stats.Events += w.events
	w.stats.RawBytes += int64(len(w.cur))
	w.cur, w.events, w.sticky = w.newBuffer(), 0, nil
	w.blocks <- b
	return nil
}

// Flush writes what is buffered to the file and waits until it is there.
func (w *Writer) Flush() error {
	done := make(chan error, 1)
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return errClosed
	}
	err := w.seal(done, false)
	w.mu.Unlock()
	if err != nil {
		return err
	}
	return <-done
}

// Close writes what is buffered and the End item, and closes the file.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return errClosed
	}
	close(w.stopTick)
	err := w.seal(nil, true)
	w.closed = true
	close(w.blocks)
	w.mu.Unlock()
	<-w.done
	return errors.Join(err, w.out.err)
}

// Stats reports what the writer has done so far; file bytes are counted
// as blocks reach the file.
func (w *Writer) Stats() Stats {
	w.mu.Lock()
	s := w.stats
	s.Invalid = w.invalid
	w.mu.Unlock()
	s.FileBytes, s.Blocks, s.Files = w.out.counts()
	return s
}

var errClosed = errors.New("recording is closed")

// tickLoop seals the block every FlushInterval, so that quiet periods
// reach the file too.
func (w *Writer) tickLoop() {
	t := time.NewTicker(w.opts.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			w.mu.Lock()
			if !w.closed && len(w.cur) > 0 {
				w.seal(nil, false) // an error here resurfaces on the next call
			}
			w.mu.Unlock()
		case <-w.stopTick:
			return
		}
	}
}

// sinkLoop compresses and writes blocks in order.
func (w *Writer) sinkLoop() {
	defer close(w.done)
	for b := range w.blocks {
		err := w.out.write(b)
		if b.flushed != nil {
			b.flushed <- err
		}
		select {
		case w.free <- b.raw:
		default:
		}
	}
}
