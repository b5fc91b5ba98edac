package usym

import (
	"debug/elf"
	"errors"
	"sort"
	"sync"
)

// A recording carries the user symbols its stacks were symbolized with, so
// that a replay names frames where the traced binaries are gone (another
// machine, a deleted build): the Store of the recording run notes each
// symbol it resolves a frame with (TrackSymbols, TakeSymbols), and the
// replay's Store serves them by build-id when the file at the recorded
// path is missing or another build (AddRecordedSymbols).

// ObjectSymbols is the function symbols of one object that frames were
// symbolized with, and how to map its file offsets to the link-time
// addresses the symbols use.
type ObjectSymbols struct {
	Path    string
	BuildID BuildID
	// Segments are the object's loaded segments.
	Segments []Segment
	// Symbols have link-time addresses (Value), like the file's table.
	Symbols []Symbol
}

// Segment is one PT_LOAD segment: Size bytes at file offset Offset are
// linked at VAddr.
type Segment struct {
	Offset, VAddr, Size uint64
}

// usedSymbols notes the symbols frames were resolved with, for
// TakeSymbols. Its own lock: images report to it holding theirs.
type usedSymbols struct {
	mu      sync.Mutex
	seen    map[BuildID]map[uint64]bool
	pending map[*Image][]addrSymbol
}

// TrackSymbols makes the Store note every symbol it resolves a frame
// with in an image that has a build-id, for TakeSymbols. Call it before
// the Store opens images.
func (s *Store) TrackSymbols() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.used = &usedSymbols{seen: map[BuildID]map[uint64]bool{}, pending: map[*Image][]addrSymbol{}}
}

// TakeSymbols returns the symbols noted since the last call, each symbol
// of an object once for the Store's life, grouped by object.
func (s *Store) TakeSymbols() []ObjectSymbols {
	s.mu.Lock()
	u := s.used
	s.mu.Unlock()
	if u == nil {
		return nil
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []ObjectSymbols
	for img, syms := range u.pending {
		o := ObjectSymbols{Path: img.Path, BuildID: img.BuildID}
		for _, ph := range img.loads {
			o.Segments = append(o.Segments, Segment{Offset: ph.Off, VAddr: ph.Vaddr, Size: ph.Filesz})
		}
		for _, a := range syms {
			o.Symbols = append(o.Symbols, Symbol{Name: a.name, Value: a.start, Size: a.size})
		}
		sort.Slice(o.Symbols, func(i, j int) bool { return o.Symbols[i].Value < o.Symbols[j].Value })
		out = append(out, o)
	}
	clear(u.pending)
	sort.Slice(out, func(i, j int) bool { return out[i].BuildID < out[j].BuildID })
	return out
}

// note records that a frame was resolved with sym of img.
func (u *usedSymbols) note(img *Image, sym addrSymbol) {
	if img.BuildID == "" {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	seen := u.seen[img.BuildID]
	if seen == nil {
		seen = map[uint64]bool{}
		u.seen[img.BuildID] = seen
	}
	if seen[sym.start] {
		return
	}
	seen[sym.start] = true
	u.pending[img] = append(u.pending[img], sym)
}

// noting makes img report its symbol lookups when the Store tracks them
// (s.mu held).
func (s *Store) noting(img *Image) {
	if s.used != nil {
		img.noted = s.used.note
	}
}

// AddRecordedSymbols gives a Store of recorded processes the symbols a
// recording carries for an object. They serve the mappings of its
// build-id, installed before or after: with the file's own symbols when
// the file is on this machine (which may lack the debug info they came
// from: libc's internal functions are in libc6-dbg's files), alone when
// it is not.
func (s *Store) AddRecordedSymbols(o ObjectSymbols) {
	if o.BuildID == "" {
		return
	}
	s.mu.Lock()
	img := s.recordedImage(mapsEntry{path: o.Path, buildID: o.BuildID})
	s.mu.Unlock()
	img.mu.Lock()
	defer img.mu.Unlock()
	if img.elf == nil && len(img.loads) == 0 {
		for _, sg := range o.Segments {
			img.loads = append(img.loads, elfLoad(sg))
		}
	}
	img.loadSymbolsLocked()
	for _, sym := range o.Symbols {
		img.syms = append(img.syms, addrSymbol{name: sym.Name, start: sym.Value, size: sym.Size})
	}
	img.syms = sortSymbols(img.syms)
}

// errStandIn: a stand-in has no file to read.
var errStandIn = errors.New("the file is not on this machine: the recording carries its symbols only")

// recordedStandIn makes the image of a recorded object whose file is not
// here: no file, only the symbols and segments the recording carries, added
// by AddRecordedSymbols (s.mu held).
func (s *Store) recordedStandIn(path string, id BuildID) *Image {
	img := &Image{BuildID: id, Path: path, key: string(id), symsDone: true, debugDone: true, idleFrom: s.cfg.Now()}
	s.images[img.key] = img
	return img
}

func elfLoad(sg Segment) elf.ProgHeader {
	return elf.ProgHeader{Type: elf.PT_LOAD, Off: sg.Offset, Vaddr: sg.VAddr, Filesz: sg.Size, Memsz: sg.Size}
}
