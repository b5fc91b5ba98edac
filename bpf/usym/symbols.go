package usym

import (
	"debug/elf"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/luatrace/luatrace/bpf/suggest"
)

// Symbol is a function symbol of an ELF file.
type Symbol struct {
	Name  string
	Value uint64 // virtual address in the file's own layout
	Size  uint64
	Type  elf.SymType
}

// cacheKey identifies a file's contents: the same file reached through
// different paths (a container's /proc/PID/root/...) shares an entry, and
// a file replaced at the same path gets a new one.
type cacheKey struct {
	dev, ino uint64
	size     int64
	mtime    time.Time
}

// cache keeps each binary's parsed symbols while the file is unchanged;
// wildcards and repeated probes on one library read it once.
var cache struct {
	sync.Mutex
	m map[cacheKey][]Symbol
}

// Funcs returns the function symbols of the ELF file at path from .symtab
// and .dynsym, deduplicated by name and sorted by name.
func Funcs(p string) ([]Symbol, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("cannot read symbols of %s: %v; check the path and its permissions", p, unwrapPath(err))
	}
	key := cacheKey{size: st.Size(), mtime: st.ModTime()}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		key.dev, key.ino = uint64(sys.Dev), sys.Ino
	}
	cache.Lock()
	defer cache.Unlock()
	if syms, ok := cache.m[key]; ok {
		return syms, nil
	}
	syms, err := readFuncs(p)
	if err != nil {
		return nil, err
	}
	if cache.m == nil {
		cache.m = map[cacheKey][]Symbol{}
	}
	cache.m[key] = syms
	return syms, nil
}

func readFuncs(p string) ([]Symbol, error) {
	f, err := elf.Open(p)
	if err != nil {
		return nil, notELF(p)
	}
	defer f.Close()
	var all []elf.Symbol
	if s, err := f.Symbols(); err == nil {
		all = append(all, s...)
	}
	if s, err := f.DynamicSymbols(); err == nil {
		all = append(all, s...)
	}
	seen := map[string]bool{}
	var syms []Symbol
	for _, s := range all {
		typ := elf.ST_TYPE(s.Info)
		if (typ != elf.STT_FUNC && typ != elf.STT_GNU_IFUNC) || s.Value == 0 || s.Section == elf.SHN_UNDEF {
			continue
		}
		// Some toolchains leave "name@@VERSION" in .symtab; probes use the
		// bare name, as .dynsym (already version-free) does.
		name, _, _ := strings.Cut(s.Name, "@")
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		syms = append(syms, Symbol{Name: name, Value: s.Value, Size: s.Size, Type: typ})
	}
	sort.Slice(syms, func(i, j int) bool { return syms[i].Name < syms[j].Name })
	return syms, nil
}

// LookupFunc finds the function called name in the binary at path.
func LookupFunc(p, name string) (Symbol, error) {
	syms, err := Funcs(p)
	if err != nil {
		return Symbol{}, err
	}
	if len(syms) == 0 {
		return Symbol{}, noSymbols(p)
	}
	i := sort.Search(len(syms), func(i int) bool { return syms[i].Name >= name })
	if i < len(syms) && syms[i].Name == name {
		return syms[i], nil
	}
	names := make([]string, len(syms))
	for i, s := range syms {
		names[i] = s.Name
	}
	return Symbol{}, fmt.Errorf("no function %q in %s%s", name, p, suggest.Phrase(name, names))
}

// MatchFuncs returns the functions of the binary whose names match the
// shell glob pattern.
func MatchFuncs(p, pattern string) ([]Symbol, error) {
	syms, err := Funcs(p)
	if err != nil {
		return nil, err
	}
	if len(syms) == 0 {
		return nil, noSymbols(p)
	}
	var out []Symbol
	for _, s := range syms {
		if ok, _ := path.Match(pattern, s.Name); ok {
			out = append(out, s)
		}
	}
	return out, nil
}

// noSymbols is the error for a stripped binary: only addresses can name
// its functions.
func noSymbols(p string) error {
	return fmt.Errorf("binary %s has no symbol table; give an address (uprobe:%s:0xADDR)", p, p)
}
