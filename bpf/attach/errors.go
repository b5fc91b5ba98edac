package attach

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/luatrace/luatrace/bpf/collector"
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
	prog, err := e.Collector.Dedicated(collector.Fentry, collector.MaxProbes-1, fn)
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
		return fmt.Errorf("cannot attach %s: %w", t.Name, err)
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
	alt := "a tracepoint instead (list them with: luatrace -l 'tracepoint:*')"
	if e.kprobesSupported() {
		kind := "kprobe"
		if t.Program == collector.Fexit {
			kind = "kretprobe"
		}
		alt = fmt.Sprintf("%s:%s instead", kind, t.Func)
	}
	reason := err.Error()
	var le *collector.LoadError
	if errors.As(err, &le) {
		reason = le.Err.Error()
	}
	return fmt.Errorf("this kernel refused %s (%s); use %s", t.Name, reason, alt)
}
