package attach

import (
	"fmt"

	"github.com/cilium/ebpf/link"

	"github.com/luatrace/luatrace/bpf/probespec"
)

func (e *Env) attachUprobe(a *Attachment) error {
	t := a.Target
	prog, cookie, err := e.program(a, !a.ownProgram)
	if err != nil {
		return loadError(t, err)
	}
	ex, err := link.OpenExecutable(t.Path)
	if err != nil {
		return fmt.Errorf("cannot open %s for %s: %w", t.Path, t.Name, err)
	}
	opts := &link.UprobeOptions{PID: e.PID, Cookie: cookie, Address: t.Spec.Address, Offset: t.Spec.Offset}
	sym := t.Func
	if t.Spec.Address != 0 {
		sym = ""
	}
	if n := t.USDT; n != nil {
		// The kernel counts tracers in the semaphore while attached, so
		// guarded probe sites run only then.
		sym, opts.Address, opts.Offset, opts.RefCtrOffset = "", n.Offset, 0, n.SemaphoreOffset
	}
	var l link.Link
	if t.Spec.Kind == probespec.Uretprobe {
		l, err = ex.Uretprobe(sym, prog, opts)
	} else {
		l, err = ex.Uprobe(sym, prog, opts)
	}
	if err != nil {
		return fmt.Errorf("cannot attach %s: %w", t.Name, err)
	}
	a.links = append(a.links, l)
	return nil
}
