package usym

import (
	"bufio"
	"bytes"
	"debug/elf"
	"fmt"
	"github.com/ianlancetaylor/demangle"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Frame is a symbolized user address.
type Frame struct {
	Sym    string // "" when unknown
	Offset uint64 // from the symbol's start
	Module string // file of the mapping, "" when unmapped
}

type mapping struct {
	start, end, offset uint64
	path               string
	file               string // "dev:inode" from the maps line: the image cache key
	buildID            string // given mappings: the file must have this build-id
}

type image struct {
	loads []elf.ProgHeader // PT_LOAD, to turn file offsets into addresses
	funcs []Symbol         // by address
}

// Symbolizer resolves user addresses of processes through /proc/PID/maps
// and the ELF symbol tables of the mapped files (PIE and shared libraries
// included). Process maps and files are cached; it is safe for one
// goroutine at a time.
type Symbolizer struct {
	mu     sync.Mutex
	maps   map[int][]mapping
	images map[string]*image
	// given: processes' mappings come only from SetMappings (a replay:
	// the recorded processes are gone, their pids may be someone else's).
	given bool
}

// Mapping is an executable mapping of a process as a recording keeps it.
type Mapping struct {
	Start, End, Offset uint64
	Path               string
	// BuildID is the file's GNU build-id (hex): a file at Path with
	// another build-id is a different binary, and its symbols are not used.
	BuildID string
}

// UseGivenMappings makes the symbolizer resolve only processes whose
// mappings SetMappings gave, never reading /proc: a replay's processes
// are not this machine's.
func (s *Symbolizer) UseGivenMappings() {
	s.mu.Lock()
	s.given = true
	s.mu.Unlock()
}

// SetMappings gives process pid's executable mappings (replacing those
// known before: the process exec'd).
func (s *Symbolizer) SetMappings(pid int, maps []Mapping) {
	out := make([]mapping, 0, len(maps))
	for _, m := range maps {
		key := "path:" + m.Path
		if m.BuildID != "" {
			key = "build-id:" + m.BuildID
		}
		out = append(out, mapping{start: m.Start, end: m.End, offset: m.Offset, path: m.Path, file: key, buildID: m.BuildID})
	}
	s.mu.Lock()
	s.maps[pid] = out
	s.mu.Unlock()
}

// NewSymbolizer returns an empty Symbolizer.
func NewSymbolizer() *Symbolizer {
	return &Symbolizer{maps: map[int][]mapping{}, images: map[string]*image{}}
}

// Resolve symbolizes addr in process pid.
func (s *Symbolizer) Resolve(pid int, addr uint64) Frame {
	s.mu.Lock()
	defer s.mu.Unlock()
	maps, ok := s.maps[pid]
	if !ok && !s.given {
		maps = readMaps(pid)
		s.maps[pid] = maps
	}
	for _, m := range maps {
		if addr < m.start || addr >= m.end {
			continue
		}
		f := Frame{Module: m.path}
		img := s.image(pid, m)
		if img == nil {
			return f
		}
		fileOff := addr - m.start + m.offset
		vaddr, ok := img.vaddr(fileOff)
		if !ok {
			return f
		}
		i := sort.Search(len(img.funcs), func(i int) bool { return img.funcs[i].Value > vaddr }) - 1
		if i >= 0 {
			sym := img.funcs[i]
			if sym.Size == 0 || vaddr < sym.Value+sym.Size {
				f.Sym, f.Offset = sym.Name, vaddr-sym.Value
			}
		}
		return f
	}
	return Frame{}
}

// image loads (once per file, by device and inode) the symbols of a
// mapped file.
func (s *Symbolizer) image(pid int, m mapping) *image {
	if img, ok := s.images[m.file]; ok {
		return img
	}
	path := m.path
	var img *image
	// Through /proc/PID/root so containers' files resolve; given
	// mappings name files on this machine, checked by build-id.
	candidates := []string{fmt.Sprintf("/proc/%d/root%s", pid, path), path}
	if s.given {
		candidates = candidates[1:]
	}
	for _, p := range candidates {
		if m.buildID != "" {
			if id, _ := BuildID(p); id != m.buildID {
				continue
			}
		}
		if f, err := elf.Open(p); err == nil {
			img = &image{}
			for _, ph := range f.Progs {
				if ph.Type == elf.PT_LOAD {
					img.loads = append(img.loads, ph.ProgHeader)
				}
			}
			stripped := f.Section(".symtab") == nil
			f.Close()
			funcs, _ := Funcs(p)
			img.funcs = append([]Symbol(nil), funcs...)
			if stripped {
				// Stripped Go binaries keep their function table in
				// .gopclntab; .dynsym alone (cgo, -race) has only the
				// C side.
				img.funcs = append(img.funcs, goFuncs(p)...)
			}
			for i := range img.funcs {
				img.funcs[i].Name = demangle.Filter(img.funcs[i].Name)
			}
			sort.Slice(img.funcs, func(i, j int) bool { return img.funcs[i].Value < img.funcs[j].Value })
			break
		}
	}
	s.images[m.file] = img
	return img
}

func (img *image) vaddr(fileOff uint64) (uint64, bool) {
	for _, ph := range img.loads {
		if fileOff >= ph.Off && fileOff < ph.Off+ph.Filesz {
			return fileOff - ph.Off + ph.Vaddr, true
		}
	}
	return 0, false
}

func readMaps(pid int) []mapping {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return nil
	}
	var out []mapping
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 || !strings.HasPrefix(f[5], "/") || !strings.Contains(f[1], "x") {
			continue
		}
		lo, hi, _ := strings.Cut(f[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		off, err3 := strconv.ParseUint(f[2], 16, 64)
		if err1 == nil && err2 == nil && err3 == nil {
			out = append(out, mapping{start: start, end: end, offset: off, path: f[5], file: f[3] + ":" + f[4]})
		}
	}
	return out
}
