package attach

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/cilium/ebpf/link"

	"github.com/luatrace/luatrace/bpf/probespec"
)

func (e *Env) attachUprobe(a *Attachment) error {
	t := a.Target
	prog, cookie, err := e.program(a, !a.ownProgram)
	if err != nil {
		return loadError(t, err)
	}
	ex, err := e.executable(t.Path)
	if err != nil {
		return err
	}
	// The offset is resolved already (IFUNCs, addresses): cilium's own
	// symbol lookup knows only STT_FUNC.
	opts := &link.UprobeOptions{PID: e.attachPID(), Cookie: cookie, Address: t.Address}
	if n := t.USDT; n != nil {
		// The kernel counts tracers in the semaphore while attached, so
		// guarded probe sites run only then.
		opts.Address, opts.RefCtrOffset = n.Offset, n.SemaphoreOffset
	}
	var l link.Link
	if t.Spec.Kind == probespec.Uretprobe {
		l, err = ex.Uretprobe("", prog, opts)
	} else {
		l, err = ex.Uprobe("", prog, opts)
	}
	if err != nil {
		return &targetError{t, err}
	}
	a.links = append(a.links, l)
	return nil
}

// executable opens a binary for uprobes once per run.
func (e *Env) executable(path string) (*link.Executable, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if ex, ok := e.executables[path]; ok {
		return ex, nil
	}
	ex, err := link.OpenExecutable(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the sentence names the file already
		}
		return nil, fmt.Errorf("cannot open %s for uprobes: %w", path, err)
	}
	if e.executables == nil {
		e.executables = map[string]*link.Executable{}
	}
	e.executables[path] = ex
	return ex, nil
}
