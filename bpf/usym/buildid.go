package usym

import (
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
)

// BuildID is the GNU build-id of an ELF file (NT_GNU_BUILD_ID), as
// lower-case hex: what `readelf -n` and `file` print and what the
// /usr/lib/debug/.build-id/ tree is named by.
type BuildID string

// Stack frames in BPF_F_USER_BUILD_ID form (struct bpf_stack_build_id
// of linux/bpf.h): a 4-byte status, 20 bytes of build-id, 4 bytes of
// padding, then the file offset (status 1) or the raw address (status 2).
const (
	buildIDFrameSize = 32
	buildIDEmpty     = 0
	buildIDValid     = 1
	buildIDIP        = 2
)

// BuildIDFrame is one frame the kernel reported by build-id: the file's
// build-id and the offset of the address in the file, or, when the kernel
// could not read the build-id, only the address.
type BuildIDFrame struct {
	BuildID BuildID // "" when only Addr is known
	Offset  uint64  // file offset, when BuildID is set
	Addr    uint64  // the address, when BuildID is ""
}

// ParseBuildIDStack decodes a stack captured with BPF_F_USER_BUILD_ID
// (an array of struct bpf_stack_build_id), stopping at the first empty
// entry.
func ParseBuildIDStack(b []byte) []BuildIDFrame {
	var out []BuildIDFrame
	for ; len(b) >= buildIDFrameSize; b = b[buildIDFrameSize:] {
		status := int32(binary.LittleEndian.Uint32(b))
		v := binary.LittleEndian.Uint64(b[24:])
		switch status {
		case buildIDValid:
			out = append(out, BuildIDFrame{BuildID: BuildID(hex.EncodeToString(trimBuildID(b[4:24]))), Offset: v})
		case buildIDIP:
			out = append(out, BuildIDFrame{Addr: v})
		default:
			return out
		}
	}
	return out
}

// trimBuildID drops the zero padding the kernel leaves after a build-id
// shorter than 20 bytes (md5 and uuid build-ids are 16).
func trimBuildID(id []byte) []byte {
	if len(id) == 20 && isZero(id[16:]) {
		return id[:16]
	}
	return id
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// ntGNUBuildID is the note type of a GNU build-id (debug/elf has no name
// for it).
const ntGNUBuildID = 3

// maxNoteSize bounds how much of a PT_NOTE segment is read looking for
// the build-id, so a corrupt header cannot make us read a huge file.
const maxNoteSize = 64 << 10

// readBuildID finds the NT_GNU_BUILD_ID note through the program headers
// (what the kernel and the loader use), falling back to the sections of
// files without PT_NOTE (some separate debug files).
func readBuildID(f *elf.File) BuildID {
	for _, p := range f.Progs {
		if p.Type != elf.PT_NOTE || p.Filesz > maxNoteSize {
			continue
		}
		if id := noteBuildID(p.Open(), p.Filesz, f.ByteOrder); id != "" {
			return id
		}
	}
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOTE || s.Size > maxNoteSize {
			continue
		}
		if id := noteBuildID(s.Open(), s.Size, f.ByteOrder); id != "" {
			return id
		}
	}
	return ""
}

// noteBuildID walks the ELF notes in r (size bytes) for the GNU build-id.
func noteBuildID(r io.Reader, size uint64, order binary.ByteOrder) BuildID {
	data := make([]byte, size)
	if _, err := io.ReadFull(r, data); err != nil {
		return ""
	}
	for len(data) >= 12 {
		namesz, descsz, typ := order.Uint32(data), order.Uint32(data[4:]), order.Uint32(data[8:])
		data = data[12:]
		nameEnd := align4(uint64(namesz))
		descEnd := nameEnd + align4(uint64(descsz))
		if descEnd > uint64(len(data)) {
			return ""
		}
		if typ == ntGNUBuildID && namesz == 4 && string(data[:4]) == "GNU\x00" && descsz > 0 {
			return BuildID(hex.EncodeToString(data[nameEnd : nameEnd+uint64(descsz)]))
		}
		data = data[descEnd:]
	}
	return ""
}

func align4(n uint64) uint64 { return (n + 3) &^ 3 }

// ReadBuildID returns the GNU build-id of the ELF file at path, "" when it
// has none: the key under which a recording's stacks find the file again.
func ReadBuildID(path string) (BuildID, error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", fmt.Errorf("read build-id of %s: %w", path, err)
	}
	defer f.Close()
	return readBuildID(f), nil
}
