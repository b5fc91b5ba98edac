// Package usdt reads the statically defined probes (USDT) that
// <sys/sdt.h> leaves in an ELF file's .note.stapsdt section: where each
// probe sits, its semaphore, and how to find its arguments.
package usdt

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"path"
)

// noteType is NT_STAPSDT, the note type of a probe descriptor.
const noteType = 3

// Note is one probe descriptor.
type Note struct {
	Provider, Name string
	// Args is the argument spec string as written ("-4@%eax 8@(%rsi)").
	Args string
	// PC and Semaphore are link-time addresses, already adjusted for
	// prelinking against .stapsdt.base. Semaphore is 0 without one.
	PC, Semaphore uint64
	// Offset and SemaphoreOffset are the file offsets of PC and
	// Semaphore: what a uprobe and its reference counter attach to.
	Offset, SemaphoreOffset uint64
}

// Match reports whether the note matches provider and name, both globs.
func (n Note) Match(provider, name string) bool {
	okP, _ := path.Match(provider, n.Provider)
	okN, _ := path.Match(name, n.Name)
	return okP && okN
}

// ReadNotes lists the USDT probes of the ELF file at file; a file without
// any gives an empty list.
func ReadNotes(file string) ([]Note, error) {
	f, err := elf.Open(file)
	if err != nil {
		return nil, fmt.Errorf("cannot read USDT notes of %s: %w", file, err)
	}
	defer f.Close()
	sec := f.Section(".note.stapsdt")
	if sec == nil {
		return nil, nil
	}
	data, err := sec.Data()
	if err != nil {
		return nil, fmt.Errorf("cannot read .note.stapsdt of %s: %w", file, err)
	}
	var base uint64
	if b := f.Section(".stapsdt.base"); b != nil {
		base = b.Addr
	}
	raw, err := parseNotes(data, f.ByteOrder, f.Class)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	notes := make([]Note, 0, len(raw))
	for _, n := range raw {
		n.rebase(base)
		if n.Offset, err = fileOffset(f, n.PC); err != nil {
			return nil, fmt.Errorf("%s: USDT probe %s:%s: %w", file, n.Provider, n.Name, err)
		}
		if n.Semaphore != 0 {
			if n.SemaphoreOffset, err = fileOffset(f, n.Semaphore); err != nil {
				return nil, fmt.Errorf("%s: semaphore of USDT probe %s:%s: %w", file, n.Provider, n.Name, err)
			}
		}
		notes = append(notes, n.Note)
	}
	return notes, nil
}

// rawNote is a note as written, before the base adjustment.
type rawNote struct {
	Note
	base uint64
}

// rebase shifts the note's addresses when prelink moved sections after
// the notes were written: the note's idea of where .stapsdt.base is,
// against where the section is now (base), gives the shift.
func (n *rawNote) rebase(base uint64) {
	if base == 0 || n.base == 0 {
		return
	}
	n.PC += base - n.base
	if n.Semaphore != 0 {
		n.Semaphore += base - n.base
	}
}

// parseNotes decodes the stapsdt notes of a .note.stapsdt section: each
// is namesz, descsz, type, "stapsdt\0" padded to 4, then pc, base and
// semaphore (address-sized) and three NUL-terminated strings.
func parseNotes(data []byte, order binary.ByteOrder, class elf.Class) ([]rawNote, error) {
	word := 8
	if class == elf.ELFCLASS32 {
		word = 4
	}
	readWord := func(b []byte) uint64 {
		if word == 4 {
			return uint64(order.Uint32(b))
		}
		return order.Uint64(b)
	}
	align := func(n int) int { return (n + 3) &^ 3 }
	var notes []rawNote
	for len(data) >= 12 {
		namesz, descsz, typ := int(order.Uint32(data)), int(order.Uint32(data[4:])), order.Uint32(data[8:])
		data = data[12:]
		if namesz < 0 || descsz < 0 || align(namesz)+align(descsz) > len(data) {
			return nil, fmt.Errorf(".note.stapsdt is truncated")
		}
		name := string(bytes.TrimRight(data[:namesz], "\x00"))
		desc := data[align(namesz) : align(namesz)+descsz]
		data = data[align(namesz)+align(descsz):]
		if name != "stapsdt" || typ != noteType {
			continue
		}
		if len(desc) < 3*word {
			return nil, fmt.Errorf("a stapsdt note of %d bytes is too short", len(desc))
		}
		n := rawNote{base: readWord(desc[word:])}
		n.PC, n.Semaphore = readWord(desc), readWord(desc[2*word:])
		strs := bytes.SplitN(desc[3*word:], []byte{0}, 4)
		if len(strs) < 3 {
			return nil, fmt.Errorf("a stapsdt note at 0x%x lacks its provider, name or arguments", n.PC)
		}
		n.Provider, n.Name, n.Args = string(strs[0]), string(strs[1]), string(strs[2])
		notes = append(notes, n)
	}
	return notes, nil
}

// fileOffset maps a link-time address to its offset in the file through
// the loadable segment that contains it.
func fileOffset(f *elf.File, addr uint64) (uint64, error) {
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && addr >= p.Vaddr && addr < p.Vaddr+p.Memsz {
			return addr - p.Vaddr + p.Off, nil
		}
	}
	return 0, fmt.Errorf("address 0x%x is in no loadable segment", addr)
}
