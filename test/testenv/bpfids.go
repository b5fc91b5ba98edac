package testenv

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
)

// BPFIDs are BPF objects by id. Ids are global and never reused while the
// object lives, so "the ids a process held are gone" is a check of that
// process alone, whatever other tests load meanwhile.
type BPFIDs struct {
	Progs, Links, Maps map[uint32]bool
}

var fdinfoIDs = regexp.MustCompile(`(?m)^(prog_id|link_id|map_id):\s+(\d+)$`)

// HeldBPF lists the BPF programs, links and maps process pid holds.
func HeldBPF(tb testing.TB, pid int) BPFIDs {
	tb.Helper()
	var ids BPFIDs
	if err := ids.AddHeld(pid); err != nil {
		tb.Fatal(err)
	}
	return ids
}

// AddHeld adds the BPF objects process pid holds file descriptors of,
// from /proc/PID/fdinfo.
func (ids *BPFIDs) AddHeld(pid int) error {
	dir := fmt.Sprintf("/proc/%d/fdinfo", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		fd, _ := strconv.Atoi(e.Name())
		ids.AddFD(pid, fd)
	}
	return nil
}

// AddFD adds the BPF object behind file descriptor fd of process pid, if
// it is one.
func (ids *BPFIDs) AddFD(pid, fd int) {
	if ids.Progs == nil {
		ids.Progs, ids.Links, ids.Maps = map[uint32]bool{}, map[uint32]bool{}, map[uint32]bool{}
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%d", pid, fd))
	if err != nil {
		return // closed meanwhile, or never open
	}
	for _, m := range fdinfoIDs.FindAllStringSubmatch(string(b), -1) {
		id, _ := strconv.ParseUint(m[2], 10, 32)
		map[string]map[uint32]bool{"prog_id": ids.Progs, "link_id": ids.Links, "map_id": ids.Maps}[m[1]][uint32(id)] = true
	}
}

// String counts the objects by kind.
func (ids BPFIDs) String() string {
	return fmt.Sprintf("%d programs, %d links, %d maps", len(ids.Progs), len(ids.Links), len(ids.Maps))
}

// Alive counts the objects that still exist.
func (ids BPFIDs) Alive() int {
	n := 0
	for id := range ids.Progs {
		if p, err := ebpf.NewProgramFromID(ebpf.ProgramID(id)); err == nil {
			p.Close()
			n++
		}
	}
	for id := range ids.Links {
		if l, err := link.NewFromID(link.ID(id)); err == nil {
			l.Close()
			n++
		}
	}
	for id := range ids.Maps {
		if m, err := ebpf.NewMapFromID(ebpf.MapID(id)); err == nil {
			m.Close()
			n++
		}
	}
	return n
}

// WaitFreed fails unless every object is gone within 20 s: the kernel
// frees them asynchronously after the last reference goes.
func (ids BPFIDs) WaitFreed(tb testing.TB, after string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		n := ids.Alive()
		if n == 0 {
			return
		}
		select {
		case <-ctx.Done():
			tb.Fatalf("%d of the %s luatrace held still exist 20 s after %s", n, ids, after)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
