package attach

import (
	"errors"
	"fmt"
	"os"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

const unsafeSizeofPerfEventAttr = unsafe.Sizeof(unix.PerfEventAttr{})

// attachProfile opens a CPU-clock sampling event on every online CPU and
// links one dedicated program to all of them.
func (e *Env) attachProfile(a *Attachment) error {
	t := a.Target
	prog, err := e.Collector.Dedicated(t.Program, a.ID, "")
	if err != nil {
		return loadError(t, err)
	}
	a.progs = append(a.progs, prog)

	attr := unix.PerfEventAttr{
		Type:   unix.PERF_TYPE_SOFTWARE,
		Config: unix.PERF_COUNT_SW_CPU_CLOCK,
		Size:   uint32(unsafeSizeofPerfEventAttr),
	}
	if t.Spec.Hz != 0 {
		attr.Bits |= unix.PerfBitFreq
		attr.Sample = t.Spec.Hz
	} else {
		attr.Sample = uint64(t.Spec.Period.Nanoseconds())
	}
	cpus, err := onlineCPUs()
	if err != nil {
		return err
	}
	pid := -1 // every process
	if p := e.attachPID(); p != 0 {
		pid = p
	}
	for _, cpu := range cpus {
		fd, err := unix.PerfEventOpen(&attr, pid, cpu, -1, unix.PERF_FLAG_FD_CLOEXEC)
		if err != nil {
			return fmt.Errorf("cannot open a sampling event on CPU %d for %s: %s", cpu, t.Name, refusal(err, "CPU sampling"))
		}
		f := os.NewFile(uintptr(fd), fmt.Sprintf("perf-event-cpu%d", cpu))
		a.files = append(a.files, f)
		l, err := link.AttachRawLink(link.RawLinkOptions{Target: fd, Program: prog, Attach: ebpf.AttachPerfEvent})
		if errors.Is(err, unix.EINVAL) {
			// No BPF links for perf events before 5.15: the event takes
			// the program by ioctl and drops it when a.files closes it.
			if unix.IoctlSetInt(fd, unix.PERF_EVENT_IOC_SET_BPF, prog.FD()) == nil {
				continue
			}
		}
		if err != nil {
			return fmt.Errorf("cannot attach %s on CPU %d: %s", t.Name, cpu, refusal(err, "CPU sampling"))
		}
		a.links = append(a.links, l)
	}
	return nil
}

// onlineCPUs parses /sys/devices/system/cpu/online ("0-3,5").
func onlineCPUs() ([]int, error) {
	b, err := os.ReadFile("/sys/devices/system/cpu/online")
	if err != nil {
		return nil, fmt.Errorf("list online CPUs: %w", err)
	}
	return parseCPUList(string(b))
}
