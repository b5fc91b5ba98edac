package usym

import (
	"debug/elf"
	"fmt"
	"io"
	"os"
)

// Layout is what uprobes need of an ELF file's layout: its loadable
// segments, to turn symbol addresses into file offsets, and its size.
type Layout struct {
	Size  int64
	loads []elf.ProgHeader
}

// ReadLayout reads the program headers of the ELF file at p. A file that
// is not ELF gets one sentence naming it, never the ELF parser's own text.
func ReadLayout(p string) (*Layout, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %v; check the path and its permissions", p, unwrapPath(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %v", p, unwrapPath(err))
	}
	ef, err := elf.NewFile(f)
	if err != nil {
		return nil, notELF(p)
	}
	l := &Layout{Size: st.Size()}
	for _, ph := range ef.Progs {
		if ph.Type == elf.PT_LOAD {
			l.loads = append(l.loads, ph.ProgHeader)
		}
	}
	return l, nil
}

// notELF is the error for a uprobe target that is not an ELF binary.
func notELF(p string) error {
	return fmt.Errorf("%s is not an ELF binary (uprobes need an executable or shared library)", p)
}

// FileOffset turns a symbol's virtual address into the file offset uprobes
// attach at; ok is false when no executable segment holds it.
func (l *Layout) FileOffset(vaddr uint64) (uint64, bool) {
	for _, ph := range l.loads {
		if ph.Flags&elf.PF_X != 0 && vaddr >= ph.Vaddr && vaddr < ph.Vaddr+ph.Filesz {
			return vaddr - ph.Vaddr + ph.Off, true
		}
	}
	return 0, false
}

// Executable reports whether file offset off lies in an executable
// segment.
func (l *Layout) Executable(off uint64) bool {
	for _, ph := range l.loads {
		if ph.Flags&elf.PF_X != 0 && off >= ph.Off && off < ph.Off+ph.Filesz {
			return true
		}
	}
	return false
}

// Instruction hazards for uprobes, as FirstInstruction reports them.
const (
	// InsnOK: nothing known against probing the instruction.
	InsnOK = iota
	// InsnEVEX: an AVX-512 (EVEX-encoded) instruction.
	InsnEVEX
	// InsnBadPrefix: a lock or ES/CS/SS/DS segment prefix, which the
	// kernel's uprobes refuse (is_prefix_bad in arch/x86/kernel/uprobes.c).
	InsnBadPrefix
)

// FirstInstruction classifies the x86-64 instruction at file offset off of
// the binary code reads by its prefixes: in 64-bit code a 0x62 after any
// legacy prefixes is always EVEX.
func FirstInstruction(code io.ReaderAt, off uint64) int {
	var b [15]byte // the longest x86 instruction
	n, _ := code.ReadAt(b[:], int64(off))
	for _, c := range b[:n] {
		switch c {
		case 0xf0, 0x26, 0x2e, 0x36, 0x3e:
			return InsnBadPrefix
		case 0x64, 0x65, 0x66, 0x67, 0xf2, 0xf3:
			continue
		case 0x62:
			return InsnEVEX
		}
		return InsnOK
	}
	return InsnOK
}
