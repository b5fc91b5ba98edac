package probespec

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/luatrace/luatrace/bpf/suggest"
)

// maxHz bounds profile frequencies: beyond this perf throttles anyway and
// the trace would mostly measure itself.
const maxHz = 100000

// Parse parses one probe specification. Errors are one sentence that quote
// the spec and say what a correct one looks like.
func Parse(raw string) (Spec, error) {
	s := Spec{Raw: raw}
	text := strings.TrimSpace(raw)
	if text == "" {
		return s, fmt.Errorf("empty probe spec; write TYPE:TARGET, e.g. \"tracepoint:syscalls:sys_enter_openat\"")
	}
	typ, rest, _ := strings.Cut(text, ":")
	kind, ok := aliases[typ]
	if !ok {
		names := slices.Sorted(maps.Keys(aliases))
		if c, near := suggest.Closest(typ, names); near {
			return s, fmt.Errorf("unknown probe type %q in %q (did you mean %s?)", typ, raw, kindOf(c))
		}
		return s, fmt.Errorf("unknown probe type %q in %q; known types: %s", typ, raw, strings.Join(longNames(), ", "))
	}
	s.Kind = kind
	parts := strings.Split(rest, ":")
	var err error
	switch kind {
	case Begin, End:
		if strings.Contains(text, ":") {
			err = fmt.Errorf("%s takes no target", kind)
		}
	case Kprobe, Kretprobe, Fentry, Fexit:
		err = s.parseKernelFunc(parts)
	case Uprobe, Uretprobe:
		err = s.parseUprobe(rest)
	case USDT:
		err = s.parseUSDT(rest)
	case Tracepoint:
		if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
			err = fmt.Errorf("want tracepoint:GROUP:NAME, e.g. tracepoint:syscalls:sys_enter_openat")
		}
		if err == nil {
			s.Group, s.Name = parts[0], parts[1]
		}
	case RawTracepoint:
		if len(parts) != 1 || parts[0] == "" {
			err = fmt.Errorf("want rawtracepoint:NAME, e.g. rawtracepoint:sched_switch")
		}
		s.Func = rest
	case Profile:
		err = s.parseRate(parts, true)
	case Interval:
		err = s.parseRate(parts, false)
	}
	if err == nil {
		err = s.checkNames()
	}
	if err != nil {
		return s, fmt.Errorf("bad probe spec %q: %w", raw, err)
	}
	return s, nil
}

// checkNames refuses white space in names: no kernel function, module,
// symbol, tracepoint or USDT probe has any, and a name of spaces would
// print as no name at all. Paths may have spaces.
func (s *Spec) checkNames() error {
	for _, n := range []struct{ what, name string }{
		{"module", s.Module}, {"function", s.Func}, {"provider", s.Provider}, {"group", s.Group}, {"name", s.Name},
	} {
		if strings.ContainsFunc(n.name, unicode.IsSpace) {
			return fmt.Errorf("%s name %q has white space; names have none", n.what, n.name)
		}
	}
	return nil
}

// kindOf turns an alias back into the canonical name for suggestions.
func kindOf(alias string) string { return aliases[alias].String() }

func longNames() []string {
	names := make([]string, 0, len(kindNames))
	for k := Kprobe; k <= End; k++ {
		names = append(names, k.String())
	}
	return names
}

// parseKernelFunc handles FN, MODULE:FN and FN+OFFSET.
func (s *Spec) parseKernelFunc(parts []string) error {
	example := fmt.Sprintf("want %s:FUNCTION or %s:MODULE:FUNCTION, e.g. %s:vfs_read", s.Kind, s.Kind, s.Kind)
	switch len(parts) {
	case 1:
		s.Func = parts[0]
	case 2:
		s.Module, s.Func = parts[0], parts[1]
	default:
		return fmt.Errorf("%s", example)
	}
	if s.Func == "" || (len(parts) == 2 && s.Module == "") {
		return fmt.Errorf("%s", example)
	}
	return s.splitOffset("only kprobe takes an offset (FUNCTION+OFFSET)", s.Kind == Kprobe)
}

// splitOffset splits FUNC+OFFSET in s.Func; refusal is the error when the
// kind takes no offset.
func (s *Spec) splitOffset(refusal string, allowed bool) error {
	fn, off, ok := strings.Cut(s.Func, "+")
	if !ok {
		return nil
	}
	if !allowed {
		return fmt.Errorf("%s", refusal)
	}
	if fn == "" {
		return fmt.Errorf("offset %q follows no function name", "+"+off)
	}
	n, err := strconv.ParseUint(off, 0, 64)
	if err != nil {
		return fmt.Errorf("offset %q is not a number", off)
	}
	s.Func, s.Offset = fn, n
	return nil
}

// parseUprobe handles PATH:SYM, PATH:SYM+OFF and PATH:0xADDR. The symbol is
// after the last colon so paths may contain colons.
func (s *Spec) parseUprobe(rest string) error {
	i := strings.LastIndexByte(rest, ':')
	if i <= 0 || i == len(rest)-1 {
		return fmt.Errorf("want %s:BINARY:FUNCTION, e.g. %s:libc:malloc or %s:/bin/bash:readline", s.Kind, s.Kind, s.Kind)
	}
	s.Path, s.Func = rest[:i], rest[i+1:]
	if strings.HasPrefix(s.Func, "0x") {
		n, err := strconv.ParseUint(s.Func[2:], 16, 64)
		if err != nil || n == 0 {
			return fmt.Errorf("address %q is not a hexadecimal number", s.Func)
		}
		s.Address, s.Func = n, ""
		return nil
	}
	return s.splitOffset("uretprobe takes no offset", s.Kind != Uretprobe)
}

// parseUSDT handles PATH:PROVIDER:NAME and PATH:NAME.
func (s *Spec) parseUSDT(rest string) error {
	parts := strings.Split(rest, ":")
	switch {
	case len(parts) >= 3:
		n := len(parts)
		s.Path, s.Provider, s.Name = strings.Join(parts[:n-2], ":"), parts[n-2], parts[n-1]
	case len(parts) == 2:
		s.Path, s.Name = parts[0], parts[1]
	}
	if s.Path == "" || s.Name == "" {
		return fmt.Errorf("want usdt:BINARY:PROVIDER:NAME, e.g. usdt:/usr/bin/python3:python:function__entry")
	}
	return nil
}

var units = map[string]time.Duration{"s": time.Second, "ms": time.Millisecond, "us": time.Microsecond}

// parseRate handles UNIT:N for interval and profile, and hz:N for profile.
func (s *Spec) parseRate(parts []string, profile bool) error {
	want := "want interval:s:N or interval:ms:N, e.g. interval:s:1"
	if profile {
		want = "want profile:hz:N or profile:ms:N, e.g. profile:hz:99"
	}
	if len(parts) != 2 {
		return fmt.Errorf("%s", want)
	}
	n, err := strconv.ParseUint(parts[1], 10, 64)
	if err != nil || n == 0 {
		return fmt.Errorf("%q is not a positive whole number; %s", parts[1], want)
	}
	if profile && parts[0] == "hz" {
		if n > maxHz {
			return fmt.Errorf("frequency %d Hz is above the %d Hz limit", n, maxHz)
		}
		s.Hz = n
		return nil
	}
	unit, ok := units[parts[0]]
	if !ok {
		return fmt.Errorf("unknown unit %q; %s", parts[0], want)
	}
	s.Period = time.Duration(n) * unit
	if s.Period/unit != time.Duration(n) {
		return fmt.Errorf("period %s:%d is too long", parts[0], n)
	}
	if profile && s.Period < time.Second/maxHz {
		return fmt.Errorf("period %s:%d is shorter than the %d Hz limit allows", parts[0], n, maxHz)
	}
	return nil
}

// periodString renders a period in the largest unit that divides it.
func periodString(d time.Duration) string {
	switch {
	case d%time.Second == 0:
		return fmt.Sprintf("s:%d", d/time.Second)
	case d%time.Millisecond == 0:
		return fmt.Sprintf("ms:%d", d/time.Millisecond)
	}
	return fmt.Sprintf("us:%d", d/time.Microsecond)
}
