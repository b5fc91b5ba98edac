package attach

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/probespec"
)

// kprobesSupported reports whether the kernel can create kprobes at all,
// through the kprobe PMU or tracefs' kprobe_events.
func (e *Env) kprobesSupported() bool {
	if _, err := os.Stat("/sys/bus/event_source/devices/kprobe/type"); err == nil {
		return true
	}
	dir, err := e.Tracefs()
	if err != nil {
		return false
	}
	_, err = os.Stat(filepath.Join(dir, "kprobe_events"))
	return err == nil
}

// fentrySupported tries to load a dedicated fentry program for fn.
func (e *Env) fentrySupported(fn string) bool {
	prog, err := e.Collector.Dedicated(collector.Fentry, uint32(collector.MaxProbes-1), fn)
	if err != nil {
		return false
	}
	prog.Close()
	return true
}

// kprobeError explains a failed kprobe attach and names the alternative
// that works on this kernel.
func kprobeError(e *Env, t Target, err error) error {
	if e.kprobesSupported() {
		return &targetError{t, err}
	}
	alt := "a tracepoint instead (list them with: luatrace -l 'tracepoint:*')"
	if e.fentrySupported(t.Func) {
		kind := "fentry"
		if t.Program == collector.Kretprobe {
			kind = "fexit"
		}
		alt = fmt.Sprintf("%s:%s instead", kind, t.Func)
	}
	return fmt.Errorf("this kernel cannot attach %s (it has no kprobe support, CONFIG_KPROBES); use %s", t.Name, alt)
}

// fentryError explains a refused fentry/fexit program.
func fentryError(e *Env, t Target, err error) error {
	alt := "a tracepoint"
	if e.kprobesSupported() {
		kind := "kprobe"
		if t.Program == collector.Fexit {
			kind = "kretprobe"
		}
		alt = fmt.Sprintf("%s:%s or a tracepoint", kind, t.Func)
	}
	kind := "fentry"
	if t.Program == collector.Fexit {
		kind = "fexit"
	}
	return fmt.Errorf("the kernel refused %s: %s; use %s", t.Name, refusal(err, kind), alt)
}

// loadError keeps the verifier log reachable for -v while saying in one
// sentence what failed.
func loadError(t Target, err error) error {
	return &programError{t: t, err: err}
}

// programError is the kernel refusing the collector program for a target.
type programError struct {
	t   Target
	err error
}

func (e *programError) Error() string {
	var ve *ebpf.VerifierError
	if errors.As(e.err, &ve) {
		return fmt.Sprintf("the kernel refused the collector program for %s: %v", e.t.Name, e.err)
	}
	return fmt.Sprintf("the kernel refused the collector program for %s: %s", e.t.Name, refusal(e.err, e.t.Spec.Kind.String()))
}

func (e *programError) Unwrap() error { return e.err }

// targetError is the kernel refusing one target: a glob skips the target
// and counts it; a single probe reports it.
type targetError struct {
	t   Target
	err error
}

func (e *targetError) Error() string {
	return fmt.Sprintf("cannot attach %s: %s", e.t.Name, refusal(e.err, e.t.Spec.Kind.String()))
}

func (e *targetError) Unwrap() error { return e.err }

// reason is the short form targets are counted under.
func (e *targetError) reason() string {
	if errno, ok := errnoOf(e.err); ok {
		return "refused by the kernel (" + errnoName(errno) + ")"
	}
	return "refused by the kernel"
}

// errnoName names errno as the kernel does, also the kernel-internal
// ENOTSUPP (524) that libc has no name for.
func errnoName(errno unix.Errno) string {
	if name := unix.ErrnoName(errno); name != "" {
		return name
	}
	if errno == 524 {
		return "ENOTSUPP"
	}
	return fmt.Sprintf("errno %d", int(errno))
}

// errnoOf finds the system call error inside err.
func errnoOf(err error) (unix.Errno, bool) {
	var errno unix.Errno
	if errors.As(err, &errno) {
		return errno, true
	}
	return 0, false
}

// enotsupp is the kernel's internal ENOTSUPP, which reaches user space
// from BPF and perf paths.
const enotsupp = unix.Errno(524)

// refusal turns what the kernel answered into words a user can act on;
// kind names what was refused ("fentry", "uprobe", ...).
func refusal(err error, kind string) string {
	errno, ok := errnoOf(err)
	if !ok {
		return err.Error()
	}
	switch errno {
	case unix.EPERM, unix.EACCES:
		if mode := lockdown(); mode != "" {
			return fmt.Sprintf("kernel lockdown (%s) forbids %s here", mode, kind)
		}
		if os.Geteuid() == 0 {
			return fmt.Sprintf("not permitted although luatrace runs as root (kernel lockdown or a security module forbids %s here)", kind)
		}
		return "not permitted; run luatrace as root (or with CAP_BPF and CAP_PERFMON)"
	case unix.ENOENT:
		return fmt.Sprintf("the kernel has no such %s target (it may be inlined, not traceable, or gone)", kind)
	case unix.EINVAL:
		if kind == probespec.Uprobe.String() || kind == probespec.Uretprobe.String() {
			return "the kernel rejected the address (it must be the first byte of an instruction in the binary's code)"
		}
		return fmt.Sprintf("the kernel rejected the %s's parameters (EINVAL)", kind)
	case unix.E2BIG:
		return fmt.Sprintf("the request is larger than this kernel accepts for one %s (E2BIG)", kind)
	case unix.EBUSY:
		return "it is busy: another tracer or a live patch holds it exclusively; try again when that has ended"
	case unix.EOPNOTSUPP, enotsupp:
		return fmt.Sprintf("this kernel does not support %s there", kind)
	case unix.EMFILE, unix.ENFILE:
		return "too many open files; raise the limit (ulimit -n) or narrow the probe"
	case unix.ENOMEM:
		return "the kernel is out of memory for it"
	case unix.ESRCH:
		return "the process does not exist (any more)"
	}
	return fmt.Sprintf("%s (%s)", errno.Error(), unix.ErrnoName(errno))
}

// lockdown returns the active kernel lockdown mode ("integrity",
// "confidentiality") when securityfs shows one, else "".
func lockdown() string {
	b, err := os.ReadFile("/sys/kernel/security/lockdown")
	if err != nil {
		return ""
	}
	_, rest, ok := strings.Cut(string(b), "[")
	if !ok {
		return ""
	}
	mode, _, _ := strings.Cut(rest, "]")
	if mode == "none" {
		return ""
	}
	return mode
}
