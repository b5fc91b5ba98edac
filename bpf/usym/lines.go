package usym

import (
	"debug/dwarf"
	"debug/elf"
)

// maxLineCache bounds the remembered address → line answers per image.
const maxLineCache = 1 << 14

// lineTable answers address → source line from DWARF line programs, one
// compilation unit at a time: the unit covering an address is found
// through its ranges and its line program is kept for the next lookup.
type lineTable struct {
	data    *dwarf.Data // nil when the file has no usable DWARF
	units   *dwarf.Reader
	readers map[dwarf.Offset]*dwarf.LineReader
	cache   map[uint64]lineAnswer
}

type lineAnswer struct {
	file string
	line int
}

func newLineTable(f *elf.File) *lineTable {
	lt := &lineTable{readers: map[dwarf.Offset]*dwarf.LineReader{}, cache: map[uint64]lineAnswer{}}
	if f.Section(".debug_info") != nil && f.Section(".debug_line") != nil {
		if d, err := f.DWARF(); err == nil {
			lt.data, lt.units = d, d.Reader()
		}
	}
	return lt
}

func (lt *lineTable) find(pc uint64) (string, int, bool) {
	if lt.data == nil {
		return "", 0, false
	}
	if a, ok := lt.cache[pc]; ok {
		return a.file, a.line, a.file != ""
	}
	a := lt.lookup(pc)
	if len(lt.cache) >= maxLineCache {
		clear(lt.cache)
	}
	lt.cache[pc] = a
	return a.file, a.line, a.file != ""
}

func (lt *lineTable) lookup(pc uint64) lineAnswer {
	cu, err := lt.units.SeekPC(pc)
	if err != nil || cu == nil {
		return lineAnswer{}
	}
	lr, ok := lt.readers[cu.Offset]
	if !ok {
		lr, err = lt.data.LineReader(cu)
		if err != nil || lr == nil {
			return lineAnswer{}
		}
		lt.readers[cu.Offset] = lr
	}
	var e dwarf.LineEntry
	if err := lr.SeekPC(pc, &e); err != nil || e.File == nil {
		return lineAnswer{}
	}
	return lineAnswer{file: e.File.Name, line: e.Line}
}
