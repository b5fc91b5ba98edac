// Package probespec parses probe specifications such as
// "kprobe:vfs_read", "uprobe:libc:malloc" or "profile:hz:99", using
// bpftrace's spelling and short aliases.
package probespec

import (
	"fmt"
	"strings"
	"time"
)

// Spec is a parsed probe specification. Which fields are set depends on
// Kind; Raw always holds the text as written.
type Spec struct {
	Kind Kind
	Raw  string

	Module string // kernel module of a kprobe/fentry target, if given
	Func   string // kernel function, user symbol, or raw tracepoint name (may be a glob)
	Offset uint64 // byte offset into Func (kprobe:FN+OFF, uprobe:PATH:SYM+OFF)

	Path    string // binary or library of a uprobe/usdt, as written
	Address uint64 // uprobe:PATH:0xADDR, the address instead of a symbol

	Provider string // usdt provider
	Group    string // tracepoint group (may be a glob)
	Name     string // tracepoint or usdt probe name (may be a glob)

	Hz     uint64        // profile:hz:N
	Period time.Duration // interval:UNIT:N and profile:UNIT:N
}

// Wildcard reports whether the spec names several targets with glob
// characters.
func (s Spec) Wildcard() bool {
	return strings.ContainsAny(s.Func+s.Group+s.Name+s.Provider, "*?[")
}

// String returns the spec in canonical form: the long kind name and the
// parsed parts, so aliases print the same way ("k:vfs_read" → "kprobe:vfs_read").
func (s Spec) String() string {
	k := s.Kind.String()
	switch s.Kind {
	case Kprobe, Kretprobe, Fentry, Fexit:
		fn := s.Func
		if s.Module != "" {
			fn = s.Module + ":" + fn
		}
		if s.Offset != 0 {
			fn += fmt.Sprintf("+%d", s.Offset)
		}
		return k + ":" + fn
	case Uprobe, Uretprobe:
		sym := s.Func
		if s.Address != 0 {
			sym = fmt.Sprintf("0x%x", s.Address)
		} else if s.Offset != 0 {
			sym += fmt.Sprintf("+%d", s.Offset)
		}
		return k + ":" + s.Path + ":" + sym
	case USDT:
		if s.Provider == "" && !strings.Contains(s.Path, ":") {
			return k + ":" + s.Path + ":" + s.Name
		}
		return k + ":" + s.Path + ":" + s.Provider + ":" + s.Name
	case Tracepoint:
		return k + ":" + s.Group + ":" + s.Name
	case RawTracepoint:
		return k + ":" + s.Func
	case Profile:
		if s.Hz != 0 {
			return fmt.Sprintf("%s:hz:%d", k, s.Hz)
		}
		return k + ":" + periodString(s.Period)
	case Interval:
		return k + ":" + periodString(s.Period)
	}
	return k
}
