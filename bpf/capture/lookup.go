package capture

import (
	"fmt"
	"strings"

	"github.com/cilium/ebpf/btf"
)

// LookupType resolves a C type name ("struct iov_iter", "enum
// skb_drop_reason", a typedef or base integer name, with any "*") in spec
// as casts in expressions do.
func LookupType(spec *btf.Spec, name string) (btf.Type, error) {
	return resolveType(spec, name)
}

// HasMember reports whether the struct or union t has the member path, a
// dotted list of names ("msg_iter.__ubuf_iovec"). Each step looks through
// anonymous structs and unions, as member access in expressions does, and
// through typedefs and qualifiers but not pointers.
func HasMember(t btf.Type, path string) bool {
	for _, name := range strings.Split(path, ".") {
		members, ok := compositeMembers(btf.UnderlyingType(t))
		if !ok {
			return false
		}
		m, _, found := findMember(members, name)
		if !found {
			return false
		}
		t = m.Type
	}
	return true
}

// EnumValues returns the enumerators of t (an enum, or a typedef of one)
// by value; values wider than 63 bits keep their two's-complement pattern.
func EnumValues(t btf.Type) (map[uint64]string, error) {
	values := map[uint64]string{}
	switch e := btf.UnderlyingType(t).(type) {
	case *btf.Enum:
		for _, v := range e.Values {
			if _, dup := values[v.Value]; !dup {
				values[v.Value] = v.Name
			}
		}
	default:
		return nil, fmt.Errorf("%s is not an enum", typeName(t))
	}
	return values, nil
}

// MemberOf finds member name of the struct or union t, looking through
// anonymous structs and unions: its type and offset in bits. When it is
// missing, names lists the members there are.
func MemberOf(t btf.Type, name string) (m btf.Member, offsetBits uint32, names []string, ok bool) {
	members, isComposite := compositeMembers(btf.UnderlyingType(t))
	if !isComposite {
		return btf.Member{}, 0, nil, false
	}
	m, off, found := findMember(members, name)
	if !found {
		return btf.Member{}, 0, memberNames(members), false
	}
	return m, off, nil, true
}

// TypeName renders t as C ("struct task_struct *").
func TypeName(t btf.Type) string { return typeName(t) }

// Members lists a struct's or union's members (false for other types).
func Members(t btf.Type) ([]btf.Member, bool) { return compositeMembers(btf.UnderlyingType(t)) }
