package unwind

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// errOutsideCopy is a read of memory the stack copy does not hold.
var errOutsideCopy = errors.New("address outside the copied stack")

// CaptureStopped takes a Sample of thread tid, which must be in a
// ptrace-stop traced by the calling OS thread (runtime.LockOSThread): its
// registers, and size bytes of its stack from the stack pointer up,
// fewer when the stack's mapping ends sooner. It is what a probe with
// user registers and a stack copy captures, for tests and for unwinding a
// live process by hand.
func CaptureStopped(tid, size int) (Sample, error) {
	var pr unix.PtraceRegs
	if err := unix.PtraceGetRegs(tid, &pr); err != nil {
		return Sample{}, fmt.Errorf("reading the registers of thread %d: %w", tid, err)
	}
	regs := RegsFromPtrace(&pr)
	stack, err := ReadStack(tid, regs.Val[RSP], size)
	if err != nil {
		return Sample{}, err
	}
	return Sample{Regs: regs, Stack: stack}, nil
}

// ReadStack copies size bytes of thread tid's memory from sp up through
// /proc/TID/mem, fewer when the mapping holding sp ends sooner.
func ReadStack(tid int, sp uint64, size int) ([]byte, error) {
	if size <= 0 || size > MaxStackSize {
		return nil, fmt.Errorf("stack copy of %d bytes: give 1 to %d", size, MaxStackSize)
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/mem", tid))
	if err != nil {
		return nil, fmt.Errorf("reading the stack of thread %d: %w", tid, err)
	}
	defer f.Close()
	buf := make([]byte, size)
	n := 0
	// A read crossing the end of the stack's mapping fails as a whole:
	// shrink to the page boundary, then read what remains page by page.
	for n < size {
		chunk := size - n
		if pageEnd := int(4096 - (sp+uint64(n))%4096); chunk > pageEnd {
			chunk = pageEnd
		}
		m, err := f.ReadAt(buf[n:n+chunk], int64(sp)+int64(n))
		n += m
		if err != nil || m < chunk {
			break
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("reading the stack of thread %d at %#x: nothing readable", tid, sp)
	}
	return buf[:n], nil
}
