package main

import (
	"bytes"
	"compress/gzip"
	"debug/elf"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// guestModules are the kernel modules the guest tests load with modprobe.
var guestModules = []string{"dummy", "md-mod", "raid0", "loop"}

// moduleTree is a kernel package's modules: module name (dashes as
// underscores, as the kernel spells them) to its file under root.
type moduleTree struct {
	root  string
	files map[string]string
}

// moduleName is the kernel's spelling of a module file's name.
func moduleName(file string) string {
	base := filepath.Base(file)
	base = base[:strings.Index(base, ".ko")]
	return strings.ReplaceAll(base, "-", "_")
}

func readModuleTree(root string) (*moduleTree, error) {
	t := &moduleTree{root: root, files: map[string]string{}}
	err := filepath.WalkDir(filepath.Join(root, "kernel"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.Contains(d.Name(), ".ko") {
			rel, _ := filepath.Rel(root, path)
			t.files[moduleName(rel)] = rel
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list modules in %s: %w", root, err)
	}
	return t, nil
}

// load returns a module file's bytes, decompressed: the guest's busybox
// insmod takes plain ELF only.
func (t *moduleTree) load(rel string) ([]byte, error) {
	path := filepath.Join(t.root, rel)
	switch {
	case strings.HasSuffix(rel, ".ko"):
		return os.ReadFile(path)
	case strings.HasSuffix(rel, ".ko.gz"):
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		z, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", rel, err)
		}
		return io.ReadAll(z)
	case strings.HasSuffix(rel, ".ko.xz"):
		out, err := exec.Command("xz", "-dc", path).Output()
		if err != nil {
			return nil, fmt.Errorf("xz -dc %s: %v (install xz-utils)", rel, err)
		}
		return out, nil
	case strings.HasSuffix(rel, ".ko.zst"):
		out, err := exec.Command("zstd", "-dc", path).Output()
		if err != nil {
			return nil, fmt.Errorf("zstd -dc %s: %v (install zstd)", rel, err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: unknown module compression", rel)
}

// depends reads the module names a module needs from its .modinfo section.
func depends(ko []byte) ([]string, error) {
	f, err := elf.NewFile(bytes.NewReader(ko))
	if err != nil {
		return nil, err
	}
	sec := f.Section(".modinfo")
	if sec == nil {
		return nil, fmt.Errorf("no .modinfo section")
	}
	info, err := sec.Data()
	if err != nil {
		return nil, err
	}
	for _, kv := range bytes.Split(info, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte("depends=")); ok && len(v) > 0 {
			var names []string
			for _, n := range strings.Split(string(v), ",") {
				names = append(names, strings.ReplaceAll(n, "-", "_"))
			}
			return names, nil
		}
	}
	return nil, nil
}

// shipped is what goes to the guest's /lib/modules/RELEASE: decompressed
// module files by path (".ko" names) and the modules.dep modprobe reads.
type shipped struct {
	files map[string][]byte
	dep   []string
}

// closure collects the wanted modules and everything they depend on. A
// module built into the kernel or not built at all is left out: the test
// that needs it says so.
func (t *moduleTree) closure(want []string) (*shipped, error) {
	s := &shipped{files: map[string][]byte{}}
	deps := map[string][]string{}
	var visit func(name string) error
	visit = func(name string) error {
		if _, seen := deps[name]; seen {
			return nil
		}
		rel, ok := t.files[name]
		if !ok {
			deps[name] = nil
			return nil
		}
		ko, err := t.load(rel)
		if err != nil {
			return err
		}
		d, err := depends(ko)
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		deps[name] = d
		s.files[plainName(rel)] = ko
		for _, n := range d {
			if err := visit(n); err != nil {
				return err
			}
		}
		return nil
	}
	for _, m := range want {
		if err := visit(strings.ReplaceAll(m, "-", "_")); err != nil {
			return nil, err
		}
	}
	// modules.dep: each module, then every module it needs, transitively,
	// in the order modprobe loads them from the end.
	for name, d := range deps {
		rel, ok := t.files[name]
		if !ok {
			continue
		}
		var all []string
		var walk func([]string)
		walk = func(ns []string) {
			for _, n := range ns {
				if r, ok := t.files[n]; ok && !slices.Contains(all, plainName(r)) {
					all = append(all, plainName(r))
					walk(deps[n])
				}
			}
		}
		walk(d)
		s.dep = append(s.dep, strings.Join(append([]string{plainName(rel) + ":"}, all...), " "))
	}
	slices.Sort(s.dep)
	return s, nil
}

// plainName is a module path with its compression suffix dropped.
func plainName(rel string) string {
	return rel[:strings.Index(rel, ".ko")+len(".ko")]
}
