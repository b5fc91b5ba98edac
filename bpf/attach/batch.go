package attach

import (
	"errors"
	"fmt"
	"sync"

	"github.com/luatrace/luatrace/bpf/collector"
)

// Request is one target to attach as probe ID with Spec.
type Request struct {
	Target Target
	ID     uint32
	Spec   collector.Spec
}

// ErrInterrupted is returned by AttachAll when Env.Interrupted asked it to
// stop; nothing of the batch stays attached.
var ErrInterrupted = errors.New("attaching was interrupted")

// AttachAll attaches a batch of targets: the expansion of one probe spec.
// Uprobes and kprobe globs become one multi-target link where the kernel
// has them (uprobe_multi, kprobe_multi), one probe id per target carried
// as its cookie; globs over syscalls tracepoints go through the
// raw_syscalls dispatch (see syscalls.go); everything else, or what these
// refused, attaches target by target. A target of a glob that the kernel
// refuses is skipped and returned with its reason; any other failure
// detaches the whole batch, clears its specs and is returned. The batch
// stops with ErrInterrupted as soon as Env.Interrupted says so.
func (e *Env) AttachAll(reqs []Request) ([]*Attachment, []Skipped, error) {
	b := &batch{e: e, total: len(reqs)}
	err := b.all(reqs)
	if err == nil && len(b.atts) == 0 && len(b.skipped) > 0 {
		err = fmt.Errorf("probe %q: the kernel refused all %d targets (%s); -v lists them", reqs[0].Target.Spec.Raw, len(b.skipped), SummarizeSkipped(b.skipped))
	}
	if err != nil {
		CloseAll(b.atts)
		e.deactivate(reqs)
		return nil, nil, err
	}
	return b.atts, b.skipped, nil
}

// batch is the state of one AttachAll.
type batch struct {
	e       *Env
	total   int
	done    int
	atts    []*Attachment
	skipped []Skipped
}

func (b *batch) all(reqs []Request) error {
	for _, g := range b.e.groups(reqs) {
		var err error
		switch g.kind {
		case multiLink:
			err = b.multi(g.reqs, 0)
		case syscalls:
			err = b.syscalls(g.reqs)
		default:
			err = b.each(g.reqs)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// each attaches targets one by one.
func (b *batch) each(reqs []Request) error {
	for _, r := range reqs {
		if err := b.one(r); err != nil {
			return err
		}
	}
	return nil
}

// syscalls attaches through the raw_syscalls dispatch, or one by one when
// it is busy or refused.
func (b *batch) syscalls(reqs []Request) error {
	if b.e.interrupted() {
		return ErrInterrupted
	}
	as, err := b.e.attachSyscalls(reqs)
	if err == nil {
		b.attached(as...)
		return nil
	}
	// Even a kernel refusing the dispatch program (an old verifier) can
	// attach the tracepoints themselves.
	if b.e.Verbose != nil {
		fmt.Fprintf(b.e.Verbose, "luatrace: %s; attaching its %d tracepoints one by one\n", err, len(reqs))
	}
	return b.each(reqs)
}

// maxBisect bounds how often a refused multi-target link is split in
// halves to find the targets the kernel refuses (one refused target fails
// the whole link); past it the rest attach one by one.
const maxBisect = 6

func (b *batch) multi(reqs []Request, depth int) error {
	if b.e.interrupted() {
		return ErrInterrupted
	}
	as, err := b.e.attachMulti(reqs)
	if err == nil {
		b.attached(as...)
		return nil
	}
	var pe *programError
	if errors.As(err, &pe) {
		return err
	}
	if depth == 0 && b.e.Verbose != nil {
		fmt.Fprintf(b.e.Verbose, "luatrace: %s; looking for the targets it refuses\n", err)
	}
	if len(reqs) == 1 || depth >= maxBisect {
		return b.each(reqs)
	}
	h := len(reqs) / 2
	if err := b.multi(reqs[:h], depth+1); err != nil {
		return err
	}
	return b.multi(reqs[h:], depth+1)
}

// one attaches a single target; a glob's target the kernel refuses is
// skipped.
func (b *batch) one(r Request) error {
	if b.e.interrupted() {
		return ErrInterrupted
	}
	a, err := b.e.attachOne(r)
	var te *targetError
	switch {
	case err == nil:
		b.attached(a)
	case r.Target.Spec.Wildcard() && errors.As(err, &te):
		b.skipped = append(b.skipped, Skipped{Name: r.Target.Func, Reason: te.reason(), Detail: err.Error()})
		b.progress(1)
	default:
		return err
	}
	return nil
}

func (b *batch) attached(as ...*Attachment) {
	b.atts = append(b.atts, as...)
	b.progress(len(as))
}

func (b *batch) progress(n int) {
	b.done += n
	if b.e.Progress != nil {
		b.e.Progress(b.done, b.total)
	}
}

func (e *Env) interrupted() bool { return e.Interrupted != nil && e.Interrupted() }

// closeWorkers bounds how many attachments are closed at once. The kernel
// waits for an RCU grace period in most detaches; concurrent closes share
// them (measured: 100 perf-event links close in 2.4 s one by one, 0.12 s
// with 32 at once).
const closeWorkers = 32

// CloseAll detaches attachments concurrently and returns their errors.
func CloseAll(atts []*Attachment) error {
	if len(atts) == 0 {
		return nil
	}
	work := make(chan *Attachment)
	errs := make([]error, 0, len(atts))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(closeWorkers, len(atts)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range work {
				if err := a.Close(); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, a := range atts {
		work <- a
	}
	close(work)
	wg.Wait()
	return errors.Join(errs...)
}
