package usym

import (
	"debug/elf"
	"debug/gosym"
)

// goFuncs reads the functions of a Go binary from .gopclntab, which
// survives stripping (go build -ldflags=-s).
func goFuncs(path string) []Symbol {
	f, err := elf.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	return goFuncsOf(f)
}

// goFuncsOf is goFuncs on an opened file.
func goFuncsOf(f *elf.File) []Symbol {
	pcln, text := f.Section(".gopclntab"), f.Section(".text")
	if pcln == nil || text == nil {
		return nil
	}
	data, err := pcln.Data()
	if err != nil {
		return nil
	}
	table, err := gosym.NewTable(nil, gosym.NewLineTable(data, text.Addr))
	if err != nil {
		return nil
	}
	syms := make([]Symbol, 0, len(table.Funcs))
	for _, fn := range table.Funcs {
		syms = append(syms, Symbol{Name: fn.Name, Value: fn.Entry, Size: fn.End - fn.Entry, Type: elf.STT_FUNC})
	}
	return syms
}
