package usym

import (
	"debug/elf"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ianlancetaylor/demangle"
)

// Image is one ELF file mapped into processes (an executable, a shared
// library or the vDSO), identified by its build-id. It keeps the file open,
// so its symbols and unwind tables can be read after every process that
// mapped it has exited and even after the file was deleted or replaced;
// they are loaded on first use and shared by all processes mapping the
// same build-id. Its methods are safe for concurrent use.
type Image struct {
	// BuildID is the file's GNU build-id; "" for files without one.
	BuildID BuildID
	// Path is the file's name in the first process seen mapping it.
	Path string

	key       string // the Store's cache key: the build-id, else path and stat
	r         io.ReaderAt
	closer    io.Closer // nil for images read from memory
	elf       *elf.File
	rootDir   string   // /proc/PID/root of the first process seen mapping it
	debugDirs []string // where to look for separate debug info
	// noted, when set, is told each symbol a lookup found (Store.TrackSymbols).
	noted func(*Image, addrSymbol)

	// Store bookkeeping, guarded by Store.mu.
	refs     int
	idleFrom time.Time

	mu        sync.Mutex
	loads     []elf.ProgHeader
	symsDone  bool
	syms      []addrSymbol
	debugDone bool
	debug     *elf.File // separate debug info, nil when none was found
	debugFile io.Closer
}

// addrSymbol is a function symbol in an address-sorted table.
type addrSymbol struct {
	name        string
	start, size uint64
	rank        int // bindRank, to prefer one alias
	// demangled: name is demangled. Names are demangled when a lookup
	// first finds them: demangling a big C++ library's every name was two
	// thirds of reading its table (libLLVM-15: 35086 symbols, ~600 ms).
	demangled bool
}

// newImage wraps an opened ELF file.
func newImage(r io.ReaderAt, closer io.Closer, path, rootDir string) (*Image, error) {
	ef, err := elf.NewFile(r)
	if err != nil {
		return nil, notELF(path)
	}
	img := &Image{Path: path, r: r, closer: closer, elf: ef, rootDir: rootDir, BuildID: readBuildID(ef)}
	for _, ph := range ef.Progs {
		if ph.Type == elf.PT_LOAD {
			img.loads = append(img.loads, ph.ProgHeader)
		}
	}
	// Its build-id frames and a recording's symbols of it need the offsets
	// of the original.
	if guessed, ok := debugOnlyLoads(ef, img.loads); ok {
		img.loads = guessed
	}
	return img, nil
}

// OpenImage reads the ELF file r as an image of its own, outside any
// Store (a file no process maps, tests). Its debug info is looked up under
// DefaultDebugDir; closing the image does not close r.
func OpenImage(r io.ReaderAt, path string) (*Image, error) {
	img, err := newImage(r, nil, path, "")
	if err != nil {
		return nil, err
	}
	img.debugDirs = []string{DefaultDebugDir}
	return img, nil
}

// ELF returns the parsed headers of the file; its sections read from the
// open file. It is nil for a replay's stand-in of a file that is not
// here (recordedsyms.go).
func (img *Image) ELF() *elf.File { return img.elf }

// ReadAt reads the file's bytes at offset off (code, for checking return
// addresses).
func (img *Image) ReadAt(p []byte, off int64) (int, error) {
	if img.r == nil {
		return 0, errStandIn
	}
	return img.r.ReadAt(p, off)
}

// VAddr turns a file offset into the address the file was linked for (what
// its symbols and unwind tables use); ok is false outside its loaded
// segments.
func (img *Image) VAddr(fileOff uint64) (uint64, bool) {
	for _, ph := range img.loads {
		if fileOff >= ph.Off && fileOff < ph.Off+ph.Filesz {
			return fileOff - ph.Off + ph.Vaddr, true
		}
	}
	return 0, false
}

// debugOnlyLoads returns the segments of a separate debug file
// (objcopy --only-keep-debug: its executable sections are SHT_NOBITS)
// standing in for its stripped original, as the original's file offsets
// map to addresses: the debug file keeps the segments' addresses but not
// their offsets. ld.bfd and gold place code at the offset its address has
// from the first segment's (page-aligned), and that is the guess, one
// segment per executable section; lld does not, and an offset outside
// every executable section is not named. ok is false for other files.
func debugOnlyLoads(ef *elf.File, loads []elf.ProgHeader) (guessed []elf.ProgHeader, ok bool) {
	if len(loads) == 0 {
		return nil, false
	}
	base := loads[0].Vaddr &^ 0xfff
	for _, s := range ef.Sections {
		if s.Flags&elf.SHF_EXECINSTR == 0 || s.Size == 0 {
			continue
		}
		if s.Type != elf.SHT_NOBITS || s.Addr < base {
			return nil, false
		}
		guessed = append(guessed, elf.ProgHeader{Type: elf.PT_LOAD, Flags: elf.PF_R | elf.PF_X, Off: s.Addr - base, Vaddr: s.Addr, Filesz: s.Size, Memsz: s.Size})
	}
	return guessed, len(guessed) > 0
}

// FileOffset turns a link-time address into a file offset; ok is false
// outside its loaded segments.
func (img *Image) FileOffset(vaddr uint64) (uint64, bool) {
	for _, ph := range img.loads {
		if vaddr >= ph.Vaddr && vaddr < ph.Vaddr+ph.Filesz {
			return vaddr - ph.Vaddr + ph.Off, true
		}
	}
	return 0, false
}

// DebugELF returns the separate debug file of a stripped image (found by
// build-id or .gnu_debuglink, see debugfile.go), or nil.
func (img *Image) DebugELF() *elf.File {
	img.mu.Lock()
	defer img.mu.Unlock()
	return img.debugELFLocked()
}

func (img *Image) debugELFLocked() *elf.File {
	if !img.debugDone && img.elf != nil {
		img.debugDone = true
		if img.elf.Section(".symtab") == nil || img.elf.Section(".debug_info") == nil {
			img.debug, img.debugFile = findDebugFile(img)
		}
	}
	return img.debug
}

// LoadSymbols reads the symbol table now, which Symbol does on first use
// otherwise: ahead of the first stack of a process just seen.
func (img *Image) LoadSymbols() {
	img.mu.Lock()
	defer img.mu.Unlock()
	img.loadSymbolsLocked()
}

func (img *Image) loadSymbolsLocked() {
	if !img.symsDone {
		img.symsDone = true
		img.syms = img.readSymbols()
	}
}

// Symbol returns the function containing link-time address vaddr: its
// name (demangled) and start address.
func (img *Image) Symbol(vaddr uint64) (name string, start uint64, ok bool) {
	img.mu.Lock()
	defer img.mu.Unlock()
	img.loadSymbolsLocked()
	syms := img.syms
	i := sort.Search(len(syms), func(i int) bool { return syms[i].start > vaddr }) - 1
	if i < 0 {
		return "", 0, false
	}
	s := &syms[i]
	if s.size != 0 && vaddr >= s.start+s.size {
		return "", 0, false
	}
	if !s.demangled {
		s.name, s.demangled = demangle.Filter(s.name), true
	}
	if img.noted != nil {
		img.noted(img, *s)
	}
	return s.name, s.start, true
}

// readSymbols builds the address table from .symtab (the image's or, when
// stripped, its debug file's), .dynsym and, for stripped Go programs,
// .gopclntab.
func (img *Image) readSymbols() []addrSymbol {
	symtab := img.elf
	if symtab.Section(".symtab") == nil {
		if d := img.debugELFLocked(); d != nil {
			symtab = d
		}
	}
	var syms []addrSymbol
	if s, err := symtab.Symbols(); err == nil {
		syms = appendFuncs(syms, s, symtab)
	}
	if s, err := img.elf.DynamicSymbols(); err == nil {
		syms = appendFuncs(syms, s, img.elf)
	}
	if img.elf.Section(".symtab") == nil && img.elf.Section(".gopclntab") != nil {
		for _, s := range goFuncsOf(img.elf) {
			syms = append(syms, addrSymbol{name: s.Name, start: s.Value, size: s.Size})
		}
	}
	return sortSymbols(syms)
}

// appendFuncs appends the function symbols of f's table in.
func appendFuncs(syms []addrSymbol, in []elf.Symbol, f *elf.File) []addrSymbol {
	for _, s := range in {
		typ := elf.ST_TYPE(s.Info)
		if (typ != elf.STT_FUNC && typ != elf.STT_GNU_IFUNC) || s.Value == 0 || s.Section == elf.SHN_UNDEF {
			continue
		}
		name, _, _ := strings.Cut(s.Name, "@")
		if name == "" {
			continue
		}
		size := s.Size
		if size == 0 && int(s.Section) < len(f.Sections) {
			// An unsized symbol (_init) ends with its section, not at the
			// next symbol: the PLT after .init is not _init.
			if sec := f.Sections[s.Section]; s.Value >= sec.Addr && s.Value < sec.Addr+sec.Size {
				size = sec.Addr + sec.Size - s.Value
			}
		}
		syms = append(syms, addrSymbol{name: name, start: s.Value, size: size, rank: bindRank(elf.ST_BIND(s.Info))})
	}
	return syms
}

// bindRank orders bindings for choosing one name among aliases at one
// address: a global name (qsort) over a weak one over a local one.
func bindRank(b elf.SymBind) int {
	switch b {
	case elf.STB_GLOBAL:
		return 3
	case elf.STB_WEAK:
		return 2
	}
	return 1
}

// sortSymbols sorts by address and keeps one symbol per address: the
// largest (an alias with size 0 loses to the sized one), then the one
// of the best binding.
func sortSymbols(syms []addrSymbol) []addrSymbol {
	sort.SliceStable(syms, func(i, j int) bool {
		if syms[i].start != syms[j].start {
			return syms[i].start < syms[j].start
		}
		if syms[i].size != syms[j].size {
			return syms[i].size > syms[j].size
		}
		return syms[i].rank > syms[j].rank
	})
	out := syms[:0]
	for _, s := range syms {
		if len(out) > 0 && out[len(out)-1].start == s.start {
			continue
		}
		out = append(out, s)
	}
	return out
}

// Close releases the image's files.
func (img *Image) Close() error {
	img.mu.Lock()
	defer img.mu.Unlock()
	if img.debugFile != nil {
		img.debugFile.Close()
		img.debugFile = nil
	}
	if img.closer != nil {
		err := img.closer.Close()
		img.closer = nil
		if err != nil {
			return fmt.Errorf("closing %s: %w", img.Path, err)
		}
	}
	return nil
}
