// Package usym finds user-space binaries and their function symbols for
// uprobes: library short names ("libc"), $PATH lookup, ELF symbol tables.
package usym

import (
	"bufio"
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// libraryDirs are searched for library short names when no process is
// given, in the order the dynamic loader prefers on Debian.
var libraryDirs = []string{
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
	"/lib", "/usr/lib", "/usr/local/lib",
}

// ResolveBinary turns what a probe spec names into an absolute path: a
// path as is; a library name such as "libc" or "libssl.so.3" as the
// library that process pid has mapped (pid > 0) or that the library
// directories hold; otherwise a command on $PATH.
func ResolveBinary(name string, pid int) (string, error) {
	if strings.Contains(name, "/") {
		return checkFile(name)
	}
	if pid > 0 {
		if p, ok := mappedLibrary(name, pid); ok {
			return checkFile(p)
		}
	}
	if p, ok := findLibrary(name); ok {
		return checkFile(p)
	}
	if p, err := exec.LookPath(name); err == nil {
		return checkFile(p)
	}
	return "", fmt.Errorf("no binary or library %q (give a path, or a name on $PATH or in the library directories)", name)
}

// checkFile makes p absolute and symlink-free, so probes on one file
// under different names are recognised as the same, and checks it is a
// regular file uprobes can attach to.
func checkFile(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("cannot use binary %q: no such file; check the path", p)
	}
	if err != nil {
		return "", fmt.Errorf("cannot use binary %q: %v; check the path and its permissions", p, unwrapPath(err))
	}
	st, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("cannot use binary %q: %v; check the path and its permissions", p, unwrapPath(err))
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("cannot use binary %q: not a regular file; give an executable or shared library", p)
	}
	if !isELF(abs) {
		return "", notELF(p)
	}
	return abs, nil
}

// unwrapPath drops the path an *os.PathError repeats, since the message
// around it already names the file.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// libraryMatch reports whether file (a base name) is the library name
// refers to: "libc" matches libc.so.6 and libc-2.36.so, "c" matches too.
func libraryMatch(name, file string) bool {
	for _, n := range []string{name, "lib" + name} {
		if file == n || strings.HasPrefix(file, n+".so") || strings.HasPrefix(file, n+"-") && strings.Contains(file, ".so") {
			return true
		}
	}
	return false
}

// mappedLibrary looks through the process's memory map.
func mappedLibrary(name string, pid int) (string, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return "", false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 || !strings.HasPrefix(f[5], "/") {
			continue
		}
		if libraryMatch(name, filepath.Base(f[5])) {
			// The process's own view of the file, valid across mount namespaces.
			return fmt.Sprintf("/proc/%d/root%s", pid, f[5]), true
		}
	}
	return "", false
}

// findLibrary searches the library directories for an ELF file (not a
// linker script such as libc.so) matching name.
func findLibrary(name string) (string, bool) {
	for _, dir := range libraryDirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			if libraryMatch(name, e.Name()) && isELF(p) {
				return p, true
			}
		}
	}
	return "", false
}

func isELF(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	var magic [4]byte
	_, err = f.ReadAt(magic[:], 0)
	return err == nil && string(magic[:]) == elf.ELFMAG
}

// IsGoBinary reports whether path is a Go program, whose goroutine stacks
// move and so cannot take uretprobes. The Go sections decide cheaply; the
// runtime.main symbol catches binaries whose sections were renamed.
func IsGoBinary(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if f.Section(".go.buildinfo") != nil || f.Section(".gopclntab") != nil {
		return true
	}
	_, err = LookupFunc(path, "runtime.main")
	return err == nil
}
