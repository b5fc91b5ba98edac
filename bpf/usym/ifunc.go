package usym

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// An IFUNC symbol (STT_GNU_IFUNC, glibc's strlen, memcpy, ...) names a
// resolver that the dynamic loader runs once per process to pick the
// implementation for this CPU; a uprobe on the symbol's address catches
// that one resolver call, not the calls of the function. The loader
// writes its pick into the GOT slot of an R_X86_64_IRELATIVE relocation
// whose addend is the resolver, so a running process that maps the file
// shows the implementation: read the slot through /proc/PID/mem.

// rX86_64Irelative is R_X86_64_IRELATIVE.
const rX86_64Irelative = 37

// IFUNCTarget is where an IFUNC resolves to on this machine.
type IFUNCTarget struct {
	Vaddr uint64 // the implementation, in the file's own layout
	PID   int    // the process it was read from
}

// ifuncCache remembers, per file, the resolver → GOT slot relocations and
// what has been read, so a glob over a library reads /proc once.
var ifuncCache struct {
	sync.Mutex
	m map[cacheKey]*ifuncFile
}

type ifuncFile struct {
	slots    map[uint64]uint64 // resolver vaddr → GOT slot vaddr
	pid      int               // a process mapping the file; 0 when none
	base     uint64            // where that process loaded it
	searched bool
}

// ResolveIFUNC returns the implementation the IFUNC whose resolver is at
// vaddr selects, as found in a running process that maps the file at p
// (pid first when non-zero). ok is false when the file has no IRELATIVE
// relocation for it or no process maps the file.
func ResolveIFUNC(p string, resolver uint64, pid int) (IFUNCTarget, bool) {
	st, err := os.Stat(p)
	if err != nil {
		return IFUNCTarget{}, false
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return IFUNCTarget{}, false
	}
	key := cacheKey{dev: uint64(sys.Dev), ino: sys.Ino, size: st.Size(), mtime: st.ModTime()}
	ifuncCache.Lock()
	defer ifuncCache.Unlock()
	if ifuncCache.m == nil {
		ifuncCache.m = map[cacheKey]*ifuncFile{}
	}
	f, ok := ifuncCache.m[key]
	if !ok {
		f = &ifuncFile{slots: irelativeSlots(p)}
		ifuncCache.m[key] = f
	}
	slot, ok := f.slots[resolver]
	if !ok {
		return IFUNCTarget{}, false
	}
	if !f.searched || (pid != 0 && f.pid != pid) {
		f.searched = true
		f.pid, f.base = findMapping(uint64(sys.Dev), sys.Ino, pid)
	}
	if f.pid == 0 {
		return IFUNCTarget{}, false
	}
	impl, err := readWord(f.pid, f.base+slot)
	if err != nil || impl < f.base {
		return IFUNCTarget{}, false
	}
	return IFUNCTarget{Vaddr: impl - f.base, PID: f.pid}, true
}

// irelativeSlots maps each IRELATIVE relocation's resolver (its addend)
// to the GOT slot the loader fills.
func irelativeSlots(p string) map[uint64]uint64 {
	slots := map[uint64]uint64{}
	f, err := elf.Open(p)
	if err != nil || f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 {
		return slots
	}
	defer f.Close()
	for _, s := range f.Sections {
		if s.Type != elf.SHT_RELA {
			continue
		}
		data, err := s.Data()
		if err != nil {
			continue
		}
		for i := 0; i+24 <= len(data); i += 24 {
			off := f.ByteOrder.Uint64(data[i:])
			info := f.ByteOrder.Uint64(data[i+8:])
			addend := f.ByteOrder.Uint64(data[i+16:])
			if elf.R_TYPE64(info) == rX86_64Irelative {
				slots[addend] = off
			}
		}
	}
	return slots
}

// findMapping finds a process that maps the file with device dev and inode
// ino, pid first, and where it loaded the file (the start of its mapping
// at file offset 0; shared objects are linked at address 0).
func findMapping(dev, ino uint64, pid int) (int, uint64) {
	if pid != 0 {
		if base, ok := mappedAt(pid, dev, ino); ok {
			return pid, base
		}
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, 0
	}
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil || n == pid || n == os.Getpid() {
			continue
		}
		if base, ok := mappedAt(n, dev, ino); ok {
			return n, base
		}
	}
	return 0, 0
}

// mappedAt reads /proc/PID/maps for the file's mapping at offset 0.
func mappedAt(pid int, dev, ino uint64) (uint64, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "maps"))
	if err != nil {
		return 0, false
	}
	want := fmt.Sprintf("%02x:%02x", unix.Major(dev), unix.Minor(dev))
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 || f[2] != "00000000" || f[3] != want || f[4] != strconv.FormatUint(ino, 10) {
			continue
		}
		lo, _, _ := strings.Cut(f[0], "-")
		start, err := strconv.ParseUint(lo, 16, 64)
		if err == nil {
			return start, true
		}
	}
	return 0, false
}

// readWord reads a little-endian 64-bit word of process pid's memory.
func readWord(pid int, addr uint64) (uint64, error) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "mem"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var b [8]byte
	if _, err := f.ReadAt(b[:], int64(addr)); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b[:]), nil
}
