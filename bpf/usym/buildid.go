package usym

import (
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// BuildID returns the GNU build-id of the ELF file at p in hex, "" when
// it has none: the key under which a recording's stacks find this
// binary's symbols again.
func BuildID(p string) (string, error) {
	f, err := elf.Open(p)
	if err != nil {
		return "", fmt.Errorf("read build-id of %s: %w", p, err)
	}
	defer f.Close()
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOTE {
			continue
		}
		data, err := s.Data()
		if err != nil {
			continue
		}
		if id, ok := gnuBuildID(data, f.ByteOrder); ok {
			return id, nil
		}
	}
	return "", nil
}

// gnuBuildID finds the NT_GNU_BUILD_ID note among the notes in data.
func gnuBuildID(data []byte, bo binary.ByteOrder) (string, bool) {
	const ntGNUBuildID = 3
	for len(data) >= 12 {
		nameSize, descSize, typ := bo.Uint32(data), bo.Uint32(data[4:]), bo.Uint32(data[8:])
		name := (uint64(nameSize) + 3) &^ 3
		desc := (uint64(descSize) + 3) &^ 3
		if 12+name+desc > uint64(len(data)) {
			return "", false
		}
		if typ == ntGNUBuildID && nameSize == 4 && string(data[12:15]) == "GNU" {
			return hex.EncodeToString(data[12+name : 12+name+uint64(descSize)]), true
		}
		data = data[12+name+desc:]
	}
	return "", false
}
