package luaapi

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/probespec"
	"github.com/luatrace/luatrace/bpf/suggest"
	"github.com/luatrace/luatrace/luaapi/diag"
)

// probeAlias is a named probe a library defines with alias(): candidate
// specs tried in order (the first that attaches on this kernel wins), and
// the fields and filter that publish the same event on every candidate.
type probeAlias struct {
	name       string
	doc        string
	candidates []aliasCandidate
	fields     map[string]string
	filter     string
}

// aliasCandidate is one way to attach the alias: one spec, or a group of
// specs that must all attach (the system calls that lead to one kernel
// function), with fields and a filter of its own that add to (and
// override) the alias-wide ones: argument names differ between a kprobe
// and a tracepoint.
type aliasCandidate struct {
	specs  []probespec.Spec
	fields map[string]string
	filter string
}

// name is how messages show the candidate: its spec, or the group's specs.
func (c aliasCandidate) name() string {
	raws := make([]string, len(c.specs))
	for i, s := range c.specs {
		raws[i] = s.Raw
	}
	return strings.Join(raws, "+")
}

// aliasKeys are the keys alias()'s definition table accepts.
var aliasKeys = map[string]bool{"try": true, "fields": true, "filter": true, "doc": true}

func (r *Runtime) installAlias() {
	r.aliases = map[string]*probeAlias{}
	r.L.SetGlobal("alias", r.L.NewFunction(r.luaAlias))
}

// luaAlias implements alias(name, { try = {...}, fields =, filter =, doc = }).
func (r *Runtime) luaAlias(L *lua.LState) int {
	name := L.CheckString(1)
	def := L.CheckTable(2)
	ns, _, ok := strings.Cut(name, ":")
	if !ok || ns == "" || strings.HasSuffix(name, ":") || probespec.KnownType(ns) {
		L.ArgError(1, fmt.Sprintf("alias name %q must be NAMESPACE:NAME with a namespace that is not a probe type, e.g. \"net:tcp_send\"", name))
	}
	a := &probeAlias{name: name}
	var err error
	def.ForEach(func(k, v lua.LValue) {
		if err == nil && !aliasKeys[k.String()] {
			err = fmt.Errorf("unknown key %q (known: doc, fields, filter, try)", k.String())
		}
	})
	if err == nil {
		a.fields, a.filter, err = fieldsAndFilter(def)
	}
	if err == nil {
		a.doc = lua.LVAsString(def.RawGetString("doc"))
		a.candidates, err = parseCandidates(def.RawGetString("try"))
	}
	if err != nil {
		L.RaiseError("alias %q: %s", name, err.Error())
	}
	r.aliases[name] = a
	return 0
}

// fieldsAndFilter reads the optional fields and filter keys of t.
func fieldsAndFilter(t *lua.LTable) (map[string]string, string, error) {
	var fields map[string]string
	if v := t.RawGetString("fields"); v != lua.LNil {
		var err error
		if fields, err = parseFields(v); err != nil {
			return nil, "", err
		}
	}
	filter := ""
	switch v := t.RawGetString("filter").(type) {
	case lua.LString:
		filter = string(v)
	case *lua.LNilType:
	default:
		return nil, "", fmt.Errorf("filter must be an expression string, got %s", v.Type())
	}
	return fields, filter, nil
}

// parseCandidates reads try = { "spec", { "spec" [, "spec2" ...],
// fields = ..., filter = ... }, ... }.
func parseCandidates(v lua.LValue) ([]aliasCandidate, error) {
	list, ok := v.(*lua.LTable)
	if !ok || list.Len() == 0 {
		return nil, fmt.Errorf(`try must list the probe specs to attempt in order, e.g. try = {"fentry:tcp_sendmsg", "kprobe:tcp_sendmsg"}`)
	}
	var cands []aliasCandidate
	for i := 1; i <= list.Len(); i++ {
		var c aliasCandidate
		raws := []lua.LValue{list.RawGetInt(i)}
		if t, ok := raws[0].(*lua.LTable); ok {
			var err error
			if c.fields, c.filter, err = fieldsAndFilter(t); err != nil {
				return nil, fmt.Errorf("try[%d]: %w", i, err)
			}
			raws = raws[:0]
			for j := 1; j <= t.Len(); j++ {
				raws = append(raws, t.RawGetInt(j))
			}
		}
		for _, raw := range raws {
			spec, err := parseCandidateSpec(raw)
			if err != nil {
				return nil, fmt.Errorf("try[%d]: %w", i, err)
			}
			c.specs = append(c.specs, spec)
		}
		if len(c.specs) == 0 {
			return nil, fmt.Errorf("try[%d] names no probe spec", i)
		}
		cands = append(cands, c)
	}
	return cands, nil
}

func parseCandidateSpec(raw lua.LValue) (probespec.Spec, error) {
	s, ok := raw.(lua.LString)
	if !ok {
		return probespec.Spec{}, fmt.Errorf("must be a probe spec string or { spec, ..., fields = ..., filter = ... }, got %s", raw.Type())
	}
	spec, err := probespec.Parse(string(s))
	if err != nil {
		return spec, err
	}
	if !spec.Kind.Kernel() {
		return spec, &diag.Error{Msg: spec.Raw + " is not a kernel or user probe", Hint: "an alias stands for probes that may fail to attach", Kind: diag.ErrScript}
	}
	return spec, nil
}

// isAliasName reports whether probe() was given an alias rather than a
// spec: its namespace is not a probe type and some alias uses it.
func (r *Runtime) isAliasName(raw string) bool {
	ns, _, _ := strings.Cut(raw, ":")
	if probespec.KnownType(ns) {
		return false
	}
	for name := range r.aliases {
		if strings.HasPrefix(name, ns+":") {
			return true
		}
	}
	return false
}

// probeAlias implements probe(ALIAS, opts, fn): the first candidate that
// attaches wins. A failed candidate leaves nothing attached (attachKernel
// releases its own partial work). The script's fields and filter add to
// the alias's.
func (r *Runtime) probeAlias(L *lua.LState, name string, opts *lua.LTable, fn *lua.LFunction) int {
	a := r.aliases[name]
	if a == nil {
		names := slices.Sorted(maps.Keys(r.aliases))
		L.RaiseError("no probe alias %q%s; defined: %s", name, suggest.Phrase(name, names), strings.Join(names, ", "))
	}
	po, err := parseProbeOptions(opts)
	if err != nil {
		L.RaiseError("probe %q: %s", name, err.Error())
	}
	var failures []string
	var causes []error
	for _, c := range a.candidates {
		cpo := po
		cpo.fields = mergeFields(a.fields, c.fields, po.fields)
		cpo.filter = expandFieldNames(joinFilters(a.filter, c.filter, po.filter), cpo.fields)
		p := &Probe{fn: fn, fatal: po.fatal, optional: a.otherFields(cpo.fields)}
		var err error
		for _, spec := range c.specs {
			p.Spec = spec
			// On failure attachKernel releases everything p holds, the
			// group's earlier specs included.
			if err = r.attachKernel(p, cpo); err != nil {
				failures = append(failures, c.name()+": "+strings.TrimPrefix(err.Error(), fmt.Sprintf("probe %q: ", spec.Raw)))
				causes = append(causes, err)
				break
			}
		}
		if err == nil {
			if r.opts.Verbose {
				fmt.Fprintf(r.stderr, "luatrace: alias %s: using %s%s\n", name, c.name(), failedBefore(failures))
			}
			p.Spec = c.specs[0]
			r.addProbe(p)
			return pushProbe(L, p)
		}
	}
	return r.attachFailed(L, po, &diag.Error{
		Msg: fmt.Sprintf("probe alias %q cannot attach on this kernel: %s", name, strings.Join(failures, "; ")),
		Err: errors.Join(causes...),
	})
}

// otherFields lists the field names some candidate of the alias captures
// that fields, the chosen candidate's, lacks.
func (a *probeAlias) otherFields(fields map[string]string) []string {
	var names []string
	for _, c := range a.candidates {
		for name := range c.fields {
			if _, ok := fields[name]; !ok && !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	return names
}

func failedBefore(failures []string) string {
	if len(failures) == 0 {
		return ""
	}
	return " (" + strings.Join(failures, "; ") + ")"
}

// mergeFields combines field sets; later sets override earlier names.
func mergeFields(sets ...map[string]string) map[string]string {
	var out map[string]string
	for _, s := range sets {
		for k, v := range s {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}

// joinFilters requires every non-empty filter to hold.
func joinFilters(filters ...string) string {
	var parts []string
	for _, f := range filters {
		if f != "" {
			parts = append(parts, "("+f+")")
		}
	}
	if len(parts) == 1 {
		return strings.TrimSuffix(strings.TrimPrefix(parts[0], "("), ")")
	}
	return strings.Join(parts, " && ")
}

// expandFieldNames lets a filter name the alias's published fields: each
// identifier that is a field (not a member after . or ->, not inside a
// string) becomes its expression in parentheses, so one filter works on
// every candidate whatever its arguments are called.
func expandFieldNames(filter string, fields map[string]string) string {
	if filter == "" || len(fields) == 0 {
		return filter
	}
	var b strings.Builder
	for i := 0; i < len(filter); {
		ch := filter[i]
		switch {
		case ch == '"' || ch == '\'':
			j := i + 1
			for j < len(filter) && filter[j] != ch {
				if filter[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(filter))
			b.WriteString(filter[i:j])
			i = j
		case isIdentStart(ch):
			j := i + 1
			for j < len(filter) && (isIdentStart(filter[j]) || filter[j] >= '0' && filter[j] <= '9') {
				j++
			}
			word := filter[i:j]
			before := strings.TrimRight(filter[:i], " \t")
			member := strings.HasSuffix(before, ".") || strings.HasSuffix(before, "->")
			if expr, ok := fields[word]; ok && !member {
				b.WriteString("(" + expr + ")")
			} else {
				b.WriteString(word)
			}
			i = j
		default:
			b.WriteByte(ch)
			i++
		}
	}
	return b.String()
}

func isIdentStart(ch byte) bool {
	return ch == '_' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z'
}

// AliasInfo describes a defined probe alias, for listings.
type AliasInfo struct {
	Name, Doc  string
	Candidates []string
}

// Aliases lists the aliases defined so far, sorted by name.
func (r *Runtime) Aliases() []AliasInfo {
	var out []AliasInfo
	for _, name := range slices.Sorted(maps.Keys(r.aliases)) {
		a := r.aliases[name]
		info := AliasInfo{Name: name, Doc: a.doc}
		for _, c := range a.candidates {
			info.Candidates = append(info.Candidates, c.name())
		}
		out = append(out, info)
	}
	return out
}
