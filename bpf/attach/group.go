package attach

import (
	"strings"

	"github.com/cilium/ebpf/features"

	"github.com/luatrace/luatrace/bpf/probespec"
)

// groupKind is how a group of targets attaches.
type groupKind int

const (
	oneByOne  groupKind = iota
	multiLink           // one uprobe_multi or kprobe_multi link
	syscalls            // the raw_syscalls dispatch
)

// syscallDispatchMin is how many syscalls tracepoints of one direction a
// batch needs to be served by the raw_syscalls dispatch, which runs on
// every system call of the machine; fewer attach one by one, each running
// only on its own call.
const syscallDispatchMin = 16

// group is a run of requests attached together or one by one.
type group struct {
	kind groupKind
	reqs []Request
}

// groups splits a batch into groups that attach together (same kind, same
// binary, kernel support) and the rest, keeping order. One uprobe alone
// goes through a multi-target link too: it detaches faster (measured: 23
// ms instead of 80 ms, each a kernel grace period), and its program sees
// the same registers.
func (e *Env) groups(reqs []Request) []group {
	var out []group
	index := map[string]int{}
	for _, r := range reqs {
		key, kind := e.groupKey(r.Target)
		if kind == oneByOne {
			if n := len(out); n > 0 && out[n-1].kind == oneByOne {
				out[n-1].reqs = append(out[n-1].reqs, r)
			} else {
				out = append(out, group{reqs: []Request{r}})
			}
			continue
		}
		i, seen := index[key]
		if !seen {
			i = len(out)
			index[key] = i
			out = append(out, group{kind: kind})
		}
		out[i].reqs = append(out[i].reqs, r)
	}
	for i := range out {
		if out[i].kind == syscalls && len(out[i].reqs) < syscallDispatchMin {
			out[i].kind = oneByOne
		}
	}
	return out
}

// groupKey names the group a target can join, if any.
func (e *Env) groupKey(t Target) (string, groupKind) {
	if e.SingleLinks {
		return "", oneByOne
	}
	switch t.Spec.Kind {
	case probespec.Uprobe, probespec.Uretprobe:
		if t.USDT != nil || features.HaveBPFLinkUprobeMulti() != nil {
			return "", oneByOne
		}
		return t.Spec.Kind.String() + ":" + t.Path, multiLink
	case probespec.Kprobe, probespec.Kretprobe:
		// Only globs: a kprobe_multi program sees the function through
		// fprobe, so a stack's top frame is a few bytes further in than
		// a kprobe's (+4 or +9 instead of +1), which a single probe has
		// no reason to change.
		if !t.Spec.Wildcard() || t.Spec.Offset != 0 || features.HaveBPFLinkKprobeMulti() != nil {
			return "", oneByOne
		}
		return t.Spec.Kind.String(), multiLink
	case probespec.Tracepoint:
		if t.syscall == nil {
			return "", oneByOne
		}
		if t.syscall.exit {
			return "syscalls:exit", syscalls
		}
		return "syscalls:enter", syscalls
	}
	return "", oneByOne
}

// syscallRoute is the system call a syscalls tracepoint stands for.
type syscallRoute struct {
	exit bool
	nr   uint32
}

// syscallOf finds the system call of a syscalls tracepoint.
func syscallOf(group, name string) *syscallRoute {
	if group != "syscalls" {
		return nil
	}
	for _, dir := range []struct {
		prefix string
		exit   bool
	}{{"sys_enter_", false}, {"sys_exit_", true}} {
		if call, ok := strings.CutPrefix(name, dir.prefix); ok {
			if nr, ok := syscallNumbers[call]; ok {
				return &syscallRoute{exit: dir.exit, nr: nr}
			}
		}
	}
	return nil
}
