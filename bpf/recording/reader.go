package recording

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/luatrace/luatrace/bpf/collector"
)

// Reader reads one recording file, item by item and record by record.
// Records it returns stay valid after the reader moves on (each block is
// read into memory of its own), so a consumer may keep them.
type Reader struct {
	frames *frameDecoder
	closer io.Closer
	header Header

	block []byte // rest of the current block
	evs   []byte // rest of the current events item

	kind Kind
	body []byte
	rec  collector.Record
	item any

	ending Ending
	err    error
	done   bool
}

// Ending says how a file ended.
type Ending struct {
	// End is the file's End item; nil when the file was cut short.
	End *End
	// Truncated: the file stops without its End item, possibly inside a
	// frame (the recorder was killed, crashed or ran out of disk).
	// Corrupt: a frame failed its checksum or framing. Reading stopped
	// at Offset in either case; everything before it was read.
	Truncated, Corrupt bool
	Offset             int64
	// Reason describes a Truncated or Corrupt ending.
	Reason string
}

// Complete reports whether the file ended with its End item.
func (e Ending) Complete() bool { return e.End != nil }

// Open opens a recording file.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open recording: %w", err)
	}
	r, err := NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r.closer = f
	return r, nil
}

// NewReader reads a recording from r; it reads the file header and the
// recording header at once.
func NewReader(r io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var fh [fileHeaderSize]byte
	if _, err := io.ReadFull(br, fh[:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, errors.New("not a luatrace recording (shorter than its file header)")
		}
		return nil, fmt.Errorf("read recording: %w", err)
	}
	if err := checkFileHeader(fh[:]); err != nil {
		return nil, err
	}
	frames, err := newFrameDecoder(br, fileHeaderSize)
	if err != nil {
		return nil, err
	}
	rd := &Reader{frames: frames}
	if !rd.nextItem() || rd.kind != KindHeader {
		if rd.err != nil {
			return nil, rd.err
		}
		if rd.ending.Corrupt {
			// A damaged first frame is not a recorder stopped early.
			return nil, fmt.Errorf("recording is damaged before its header (%s); it cannot be replayed", rd.ending.Reason)
		}
		return nil, errors.New("recording has no header (the recorder stopped before writing it)")
	}
	rd.header = *rd.item.(*Header)
	return rd, nil
}

// Header is the recording header of the file.
func (r *Reader) Header() Header { return r.header }

// Next moves to the next record or item; false at the end of the file
// (see Err and Ending).
func (r *Reader) Next() bool {
	if len(r.evs) > 0 {
		n, k := binary.Uvarint(r.evs)
		if k > 0 && n <= uint64(len(r.evs)-k) {
			end := k + int(n)
			r.kind, r.rec, r.item = KindEvents, collector.Record(r.evs[k:end:end]), nil
			r.body = r.rec
			r.evs = r.evs[end:]
			return true
		}
		r.err = fmt.Errorf("events item before byte %d is malformed", r.frames.offset)
		r.done = true
		return false
	}
	for r.nextItem() {
		switch r.kind {
		case KindHeader:
			continue // only the first one counts
		case KindEvents:
			r.evs = r.body
			if len(r.evs) > 0 {
				return r.Next()
			}
			continue
		case KindEnd:
			r.ending.End = r.item.(*End)
			r.ending.Offset = r.frames.offset
			r.done = true
			return false
		}
		return true
	}
	return false
}

// nextItem reads the next item of any kind, reading frames as needed.
func (r *Reader) nextItem() bool {
	if r.done {
		return false
	}
	for len(r.block) == 0 {
		block, err := r.frames.next()
		if err != nil {
			r.stop(err)
			return false
		}
		r.block = block
	}
	if len(r.block) < itemHeaderSize || int(le.Uint32(r.block[1:])) > len(r.block)-itemHeaderSize {
		r.err = fmt.Errorf("item in the block before byte %d overruns it", r.frames.offset)
		r.done = true
		return false
	}
	n := itemHeaderSize + int(le.Uint32(r.block[1:]))
	r.kind, r.body, r.rec, r.item = Kind(r.block[0]), r.block[itemHeaderSize:n:n], nil, nil
	r.block = r.block[n:]
	if v := newItem(r.kind); v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			r.err = fmt.Errorf("%s item before byte %d: %w", r.kind, r.frames.offset, err)
			r.done = true
			return false
		}
		r.item = v
	}
	return true
}

func newItem(k Kind) any {
	switch k {
	case KindHeader:
		return new(Header)
	case KindProbe:
		return new(Probe)
	case KindDrops:
		return new(Drops)
	case KindMap:
		return new(MapSnapshot)
	case KindMappings:
		return new(Mappings)
	case KindSymbols:
		return new(SymbolTable)
	case KindEnd:
		return new(End)
	case KindScript:
		return new(Script)
	case KindTick:
		return new(Tick)
	case KindAnswer:
		return new(Answer)
	case KindStack:
		return new(Stack)
	}
	return nil
}

// stop ends reading at a frame that could not be read.
func (r *Reader) stop(err error) {
	r.done = true
	var fe *frameError
	switch {
	case err == io.EOF:
		r.ending = Ending{Truncated: true, Offset: r.frames.offset, Reason: "the file ends without its end item (the recorder did not close it)"}
	case errors.As(err, &fe):
		r.ending = Ending{Truncated: fe.truncated, Corrupt: !fe.truncated, Offset: fe.offset, Reason: fe.Error()}
	default:
		r.err = err
	}
}

// Kind is the kind of the current item: KindEvents for a record.
func (r *Reader) Kind() Kind { return r.kind }

// Record is the current record (Kind KindEvents).
func (r *Reader) Record() collector.Record { return r.rec }

// Item is the current item decoded: *Probe, *Script, *Mappings,
// *SymbolTable, *Drops or *MapSnapshot; nil for a record or an item kind
// this version does not know (see Body).
func (r *Reader) Item() any { return r.item }

// Body is the current item's raw body: JSON for metadata kinds, the
// record for KindEvents.
func (r *Reader) Body() []byte { return r.body }

// Err is the error that stopped reading, if any: a read error or a
// malformed item. A file cut short is not an error; see Ending.
func (r *Reader) Err() error { return r.err }

// Ending says how the file ended; valid once Next returned false.
func (r *Reader) Ending() Ending { return r.ending }

// Close releases the reader and the file Open opened.
func (r *Reader) Close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}
