package attach

import (
	"fmt"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"

	"github.com/luatrace/luatrace/bpf/probespec"
)

// Multi-target links (kprobe_multi since Linux 5.18, uprobe_multi since
// 6.6) attach a program to many functions in one system call and detach
// them with one RCU grace period instead of one per target; each target's
// probe id travels as its cookie. Where the kernel lacks them, or refuses
// one, targets attach one by one.

// attachMulti attaches a group with one multi-target link.
func (e *Env) attachMulti(reqs []Request) ([]*Attachment, error) {
	t0 := reqs[0].Target
	kind := t0.Spec.Kind
	at, linkKind := ebpf.AttachTraceKprobeMulti, "kprobe_multi"
	if kind == probespec.Uprobe || kind == probespec.Uretprobe {
		at, linkKind = ebpf.AttachTraceUprobeMulti, "uprobe_multi"
	}
	prog, err := e.Collector.SharedAs(t0.Program, at)
	if err != nil {
		return nil, loadError(t0, err)
	}
	cookies := make([]uint64, len(reqs))
	for i, r := range reqs {
		if err := e.setSpec(r); err != nil {
			e.deactivate(reqs[:i])
			return nil, err
		}
		cookies[i] = uint64(r.ID)
	}
	var l link.Link
	switch kind {
	case probespec.Uprobe, probespec.Uretprobe:
		var ex *link.Executable
		if ex, err = e.executable(t0.Path); err != nil {
			break
		}
		opts := &link.UprobeMultiOptions{Addresses: make([]uint64, len(reqs)), Cookies: cookies, PID: uint32(e.attachPID())}
		for i, r := range reqs {
			opts.Addresses[i] = r.Target.Address
		}
		if kind == probespec.Uretprobe {
			l, err = ex.UretprobeMulti(nil, prog, opts)
		} else {
			l, err = ex.UprobeMulti(nil, prog, opts)
		}
	default:
		opts := link.KprobeMultiOptions{Symbols: make([]string, len(reqs)), Cookies: cookies}
		for i, r := range reqs {
			opts.Symbols[i] = r.Target.Func
		}
		if kind == probespec.Kretprobe {
			l, err = link.KretprobeMulti(prog, opts)
		} else {
			l, err = link.KprobeMulti(prog, opts)
		}
	}
	if err != nil {
		e.deactivate(reqs)
		return nil, fmt.Errorf("the kernel refused one %s link for the %d targets of %s: %s", linkKind, len(reqs), t0.Spec.Raw, refusal(err, kind.String()))
	}
	shared := &sharedLink{link: l, refs: len(reqs)}
	atts := make([]*Attachment, len(reqs))
	for i, r := range reqs {
		atts[i] = &Attachment{ID: r.ID, Target: r.Target, env: e, multi: shared}
		e.attached(atts[i], ", "+linkKind+" link")
	}
	return atts, nil
}

// deactivate clears the specs of requests whose attach failed.
func (e *Env) deactivate(reqs []Request) {
	for _, r := range reqs {
		e.Collector.Deactivate(r.ID)
	}
}

// sharedLink is a link shared by several targets' attachments; the last
// one to close detaches it and runs done.
type sharedLink struct {
	mu   sync.Mutex
	link link.Link
	refs int
	done func()
}

func (s *sharedLink) release() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refs--
	if s.refs > 0 || s.link == nil {
		return nil
	}
	err := s.link.Close()
	s.link = nil
	if s.done != nil {
		s.done()
	}
	return err
}
