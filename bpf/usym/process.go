package usym

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Mapping is one executable mapping of a process: the address range, the
// file offset it starts at and the image mapped there.
type Mapping struct {
	Start, End uint64 // [Start, End)
	Offset     uint64 // file offset of Start
	Path       string // as /proc/PID/maps names it ("[vdso]" for the vDSO)
	Image      *Image // nil when the file could not be opened
}

// VAddr turns a process address inside m into the image's link-time
// address; ok is false when the image is unknown or has no segment there.
func (m *Mapping) VAddr(addr uint64) (uint64, bool) {
	if m.Image == nil || addr < m.Start || addr >= m.End {
		return 0, false
	}
	return m.Image.VAddr(addr - m.Start + m.Offset)
}

// Process is a snapshot of a process's executable mappings, taken when it
// was first seen or exec'd. It stays usable after the process exited.
type Process struct {
	PID int
	// StartTime is the process's start in clock ticks after boot
	// (/proc/PID/stat field 22): with PID it tells a reused pid apart.
	StartTime uint64
	// Mappings are sorted by address and do not overlap.
	Mappings []Mapping
	// Taken is when the snapshot was taken.
	Taken time.Time

	exited time.Time // zero while running, as far as the Store knows
}

// Find returns the mapping containing addr, or nil.
func (p *Process) Find(addr uint64) *Mapping {
	i := sort.Search(len(p.Mappings), func(i int) bool { return p.Mappings[i].End > addr })
	if i < len(p.Mappings) && p.Mappings[i].Start <= addr {
		return &p.Mappings[i]
	}
	return nil
}

// Frame is a symbolized user address.
type Frame struct {
	Addr    uint64  // the address as captured
	Sym     string  // function name, "" when unknown
	Offset  uint64  // Addr minus the function's start
	Module  string  // file of the mapping, "" when unmapped
	BuildID BuildID // the module's build-id, when it has one
}

// Resolve symbolizes addr.
func (p *Process) Resolve(addr uint64) Frame {
	return p.resolve(addr, addr)
}

// ResolveStack symbolizes a stack, innermost frame first. Every frame but
// the first is a return address, which may already belong to the next
// function or line when the call was the last instruction (a call to a
// noreturn function): those are looked up at the address before, as perf
// and gdb do, and reported with their own address.
func (p *Process) ResolveStack(pcs []uint64) []Frame {
	out := make([]Frame, len(pcs))
	for i, pc := range pcs {
		look := pc
		if i > 0 && pc > 0 {
			look = pc - 1
		}
		out[i] = p.resolve(pc, look)
	}
	return out
}

func (p *Process) resolve(addr, look uint64) Frame {
	f := Frame{Addr: addr}
	m := p.Find(look)
	if m == nil {
		return f
	}
	f.Module = m.Path
	if m.Image == nil {
		return f
	}
	f.BuildID = m.Image.BuildID
	vaddr, ok := m.VAddr(look)
	if !ok {
		return f
	}
	m.Image.symbolize(&f, vaddr, vaddr+(addr-look))
	return f
}

// symbolize fills f's function for link-time address look; vaddr is
// f.Addr in link-time addresses, from which the offset is counted. Source
// lines (Image.Line) are not looked up: no output shows them, and reading
// a library's DWARF line tables (libc's debug file: a large part of a
// second on a busy machine) held up the first stack of a process.
func (img *Image) symbolize(f *Frame, look, vaddr uint64) {
	if name, start, ok := img.Symbol(look); ok {
		f.Sym, f.Offset = name, vaddr-start
	}
}

// mapsEntry is one line of /proc/PID/maps, or a recorded mapping.
type mapsEntry struct {
	start, end, offset uint64
	perms              string
	path               string
	buildID            BuildID // recorded mappings: the file must have it
}

// processStartTime reads field 22 of /proc/PID/stat; the command name
// before it is parenthesised and may hold spaces and parentheses.
func processStartTime(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	fields := strings.Fields(string(b[i+1:]))
	// fields[0] is field 3 (state); field 22 is fields[19].
	if len(fields) < 20 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	return strconv.ParseUint(fields[19], 10, 64)
}
