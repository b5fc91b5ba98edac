// Package ksym knows the kernel's functions: which can be probed (from
// tracefs) and where symbols are (from /proc/kallsyms).
package ksym

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/luatrace/luatrace/bpf/suggest"
)

// Function is a kernel function that kprobes and fentry can attach to.
type Function struct {
	Name   string
	Module string // "" for the kernel image
}

// cache holds the parsed function list per tracefs directory: the file has
// tens of thousands of lines and every kernel probe consults it. names
// keeps each list's names, built on the first failed Lookup, so repeated
// typo suggestions do not copy 50k strings each time.
var cache struct {
	sync.Mutex
	byDir map[string][]Function
	names map[*Function][]string
}

// kallsymsPath is the fallback source of function names.
var kallsymsPath = "/proc/kallsyms"

// Functions lists the traceable kernel functions from
// available_filter_functions in the tracefs directory, sorted by name with
// duplicates (static functions of the same name) removed. Where that file
// cannot be read (kernels without the function tracer, or locked down),
// the text symbols of /proc/kallsyms stand in: a superset that may name
// functions a probe then fails to attach to.
func Functions(tracefsDir string) ([]Function, error) {
	cache.Lock()
	defer cache.Unlock()
	if fns, ok := cache.byDir[tracefsDir]; ok {
		return fns, nil
	}
	file := filepath.Join(tracefsDir, "available_filter_functions")
	fns, err := readFunctions(file)
	if err != nil {
		var fallbackErr error
		if fns, fallbackErr = kallsymsFunctions(); fallbackErr != nil {
			return nil, fmt.Errorf("cannot list kernel functions from %s: %v; mount tracefs (mount -t tracefs nodev /sys/kernel/tracing) and run as root", file, unwrapPath(err))
		}
	}
	if cache.byDir == nil {
		cache.byDir = map[string][]Function{}
	}
	cache.byDir[tracefsDir] = fns
	return fns, nil
}

func readFunctions(file string) ([]Function, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseFunctions(f)
}

// kallsymsFunctions lists the text symbols of /proc/kallsyms.
func kallsymsFunctions() ([]Function, error) {
	f, err := os.Open(kallsymsPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	syms, err := LoadKallsyms(f)
	if err != nil {
		return nil, err
	}
	var fns []Function
	for _, s := range syms {
		if (s.Type == 'T' || s.Type == 't') && probeable(s.Name) {
			fns = append(fns, Function{Name: s.Name, Module: s.Module})
		}
	}
	if len(fns) == 0 {
		return nil, fmt.Errorf("%s lists no functions", kallsymsPath)
	}
	return sortUnique(fns), nil
}

func parseFunctions(r io.Reader) ([]Function, error) {
	var fns []Function
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, rest, _ := strings.Cut(sc.Text(), " ")
		if name == "" || strings.HasPrefix(name, "__ftrace_invalid_address__") {
			continue
		}
		fns = append(fns, Function{Name: name, Module: strings.Trim(strings.TrimSpace(rest), "[]")})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return sortUnique(fns), nil
}

// sortUnique sorts by name and keeps the first of each name.
func sortUnique(fns []Function) []Function {
	sort.SliceStable(fns, func(i, j int) bool { return fns[i].Name < fns[j].Name })
	out := fns[:0]
	for i, fn := range fns {
		if i == 0 || fn.Name != fns[i-1].Name {
			out = append(out, fn)
		}
	}
	return out
}

// Match returns the functions whose names match the shell glob pattern.
func Match(fns []Function, pattern string) []Function {
	var out []Function
	for _, fn := range fns {
		if ok, _ := path.Match(pattern, fn.Name); ok {
			out = append(out, fn)
		}
	}
	return out
}

// Lookup checks that name is a traceable function, suggesting the closest
// one when it is not.
func Lookup(fns []Function, name string) error {
	i := sort.Search(len(fns), func(i int) bool { return fns[i].Name >= name })
	if i < len(fns) && fns[i].Name == name {
		return nil
	}
	return fmt.Errorf("no kernel function %q%s", name, phraseOrHint(name, namesOf(fns)))
}

// namesOf returns the names of fns. For lists that Functions handed out
// they are built once and kept; other slices (the caller's own) are not
// cached, since they may change or be many.
func namesOf(fns []Function) []string {
	if len(fns) == 0 {
		return nil
	}
	cache.Lock()
	defer cache.Unlock()
	key := &fns[0]
	if names, ok := cache.names[key]; ok && len(names) == len(fns) {
		return names
	}
	names := make([]string, len(fns))
	for i, fn := range fns {
		names[i] = fn.Name
	}
	for _, cached := range cache.byDir {
		if len(cached) == len(fns) && &cached[0] == key {
			if cache.names == nil {
				cache.names = map[*Function][]string{}
			}
			cache.names[key] = names
			break
		}
	}
	return names
}

// unwrapPath drops the path an *os.PathError repeats, since the message
// around it already names the file.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func phraseOrHint(name string, names []string) string {
	if p := suggest.Phrase(name, names); p != "" {
		return p
	}
	return " that can be traced (list them in /sys/kernel/tracing/available_filter_functions)"
}

// probeable filters out kallsyms text symbols that are not functions one
// can attach to: padding before functions (__pfx_), static-call
// trampolines (__SCT__) and cold split-off blocks.
func probeable(name string) bool {
	return !strings.HasPrefix(name, "__pfx_") && !strings.HasPrefix(name, "__SCT__") && !strings.HasSuffix(name, ".cold")
}
