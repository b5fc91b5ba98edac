package ksym

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Symbol is one /proc/kallsyms entry.
type Symbol struct {
	Addr   uint64
	Name   string
	Module string // "" for the kernel image
	Type   byte   // nm-style type letter: T, t, D, ...
}

// LoadKallsyms parses /proc/kallsyms text, sorted by address.
func LoadKallsyms(r io.Reader) ([]Symbol, error) {
	var syms []Symbol
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 || len(f[1]) != 1 {
			continue
		}
		addr, err := strconv.ParseUint(f[0], 16, 64)
		if err != nil {
			return nil, fmt.Errorf("bad kallsyms line %q", sc.Text())
		}
		s := Symbol{Addr: addr, Name: f[2], Type: f[1][0]}
		if len(f) > 3 {
			s.Module = strings.Trim(f[3], "[]")
		}
		syms = append(syms, s)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(syms, func(i, j int) bool { return syms[i].Addr < syms[j].Addr })
	return syms, nil
}

// Table resolves addresses to symbols and names to addresses.
type Table struct {
	syms   []Symbol
	byName map[string]uint64
}

// NewTable indexes syms, which must be sorted by address.
func NewTable(syms []Symbol) *Table {
	t := &Table{syms: syms, byName: make(map[string]uint64, len(syms))}
	for _, s := range syms {
		if _, dup := t.byName[s.Name]; !dup {
			t.byName[s.Name] = s.Addr
		}
	}
	return t
}

// Resolve returns the symbol containing addr (the last one at or below
// it) and addr's offset into it. ok is false when addr is below every
// symbol, or when all addresses are zero (kallsyms hidden from this user
// by kptr_restrict).
func (t *Table) Resolve(addr uint64) (sym Symbol, offset uint64, ok bool) {
	i := sort.Search(len(t.syms), func(i int) bool { return t.syms[i].Addr > addr })
	if i == 0 || t.syms[i-1].Addr == 0 {
		return Symbol{}, 0, false
	}
	s := t.syms[i-1]
	return s, addr - s.Addr, true
}

// Addr returns the address of the first symbol called name.
func (t *Table) Addr(name string) (uint64, bool) {
	a, ok := t.byName[name]
	return a, ok && a != 0
}

// Symbols are the table's symbols, sorted by address.
func (t *Table) Symbols() []Symbol { return t.syms }
