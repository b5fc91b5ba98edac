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
	typ, rest, colon := strings.Cut(text, ":")
	info, ok := Lookup(typ)
	if !ok {
		names := slices.Sorted(maps.Keys(byName))
		if c, near := suggest.Closest(typ, names); near {
			return s, fmt.Errorf("unknown probe type %q in %q (did you mean %s?)", typ, raw, byName[c].Name)
		}
		return s, fmt.Errorf("unknown probe type %q in %q; known types: %s", typ, raw, strings.Join(longNames(), ", "))
	}
	s.Kind = info.Kind
	err := info.parse(&s, info, rest, colon)
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
		{"module", s.Module}, {"function", s.Func}, {"provider", s.Provider}, {"group", s.Group}, {"event", s.Name},
	} {
		if strings.ContainsFunc(n.name, unicode.IsSpace) {
			return fmt.Errorf("%s name %q has white space; names have none", n.what, n.name)
		}
	}
	return nil
}

func longNames() []string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = k.Name
	}
	return names
}

// parseKernelFunc handles FN, MODULE:FN and FN+OFFSET.
func (s *Spec) parseKernelFunc(i *Info, rest string) error {
	want := i.Want()
	parts := strings.Split(rest, ":")
	switch len(parts) {
	case 1:
		s.Func = parts[0]
	case 2:
		s.Module, s.Func = parts[0], parts[1]
	default:
		return fmt.Errorf("%s", want)
	}
	if s.Func == "" || (len(parts) == 2 && s.Module == "") {
		return fmt.Errorf("%s", want)
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
func (s *Spec) parseUprobe(i *Info, rest string) error {
	at := strings.LastIndexByte(rest, ':')
	if at <= 0 || at == len(rest)-1 {
		return fmt.Errorf("%s", i.Want())
	}
	s.Path, s.Func = rest[:at], rest[at+1:]
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
func (s *Spec) parseUSDT(i *Info, rest string) error {
	parts := strings.Split(rest, ":")
	switch {
	case len(parts) >= 3:
		n := len(parts)
		s.Path, s.Provider, s.Name = strings.Join(parts[:n-2], ":"), parts[n-2], parts[n-1]
	case len(parts) == 2:
		s.Path, s.Name = parts[0], parts[1]
	}
	if s.Path == "" || s.Name == "" {
		return fmt.Errorf("%s", i.Want())
	}
	return nil
}

// parseTracepoint handles GROUP:NAME.
func (s *Spec) parseTracepoint(i *Info, rest string) error {
	parts := strings.Split(rest, ":")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return fmt.Errorf("%s", i.Want())
	}
	s.Group, s.Name = parts[0], parts[1]
	return nil
}

// parseRawTracepoint handles NAME.
func (s *Spec) parseRawTracepoint(i *Info, rest string) error {
	if rest == "" || strings.Contains(rest, ":") {
		return fmt.Errorf("%s", i.Want())
	}
	s.Func = rest
	return nil
}

var units = map[string]time.Duration{"s": time.Second, "ms": time.Millisecond, "us": time.Microsecond}

// parseRate handles UNIT:N for interval and profile, and hz:N for profile.
func (s *Spec) parseRate(i *Info, rest string) error {
	profile := s.Kind == Profile
	want := i.Want()
	parts := strings.Split(rest, ":")
	if len(parts) == 1 {
		parts = splitSuffixedRate(rest)
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

// splitSuffixedRate reads newer bpftrace's one-part form, N followed by
// its unit (100ms, 1s, 99hz), as the UNIT:N parts; anything else stays
// one part, which the caller refuses with the usage.
func splitSuffixedRate(rest string) []string {
	digits := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if digits <= 0 {
		return []string{rest}
	}
	return []string{rest[digits:], rest[:digits]}
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
