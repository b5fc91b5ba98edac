// Package kernelbtf holds the running kernel's BTF, and its modules',
// decoded once per process. Resolving probes, compiling expressions,
// loading the collector's programs (CO-RE relocations, fentry targets),
// listings and the Lua kernel module all read this one copy: decoding
// vmlinux's BTF costs tens of milliseconds and tens of megabytes.
package kernelbtf

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/cilium/ebpf/btf"
)

// cache is shared with the collector's program loads (Cache).
var cache = btf.NewCache()

// kernel remembers the first answer, a failure included: a kernel without
// BTF does not grow it, and the search for a vmlinux file is slow.
var kernel = sync.OnceValues(func() (*btf.Spec, error) {
	spec, err := cache.Kernel()
	if err != nil {
		return nil, fmt.Errorf("this kernel has no usable BTF (/sys/kernel/btf/vmlinux): %w", err)
	}
	return spec, nil
})

// Kernel returns the running kernel's BTF.
func Kernel() (*btf.Spec, error) { return kernel() }

// ErrNoModules: the kernel describes no module in BTF (before 5.11, or
// built without CONFIG_DEBUG_INFO_BTF_MODULES).
var ErrNoModules = errors.New("no BTF for kernel modules")

// Module returns a loaded module's BTF, which refers to the kernel's.
func Module(name string) (*btf.Spec, error) {
	if _, err := os.Stat("/sys/kernel/btf/" + name); err != nil {
		return nil, ErrNoModules
	}
	if _, err := Kernel(); err != nil {
		return nil, err
	}
	spec, err := cache.Module(name)
	if err != nil {
		return nil, fmt.Errorf("read the BTF of kernel module %s: %w", name, err)
	}
	return spec, nil
}

// Cache is the cache Kernel and Module read, for ebpf.CollectionOptions:
// loading a program then decodes no BTF of its own.
func Cache() *btf.Cache { return cache }
