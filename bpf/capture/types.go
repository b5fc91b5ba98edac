package capture

import (
	"fmt"
	"strings"

	"github.com/cilium/ebpf/btf"
)

// Synthesised C types for values that have no BTF (register arguments,
// tracepoint format fields).
var (
	u64Type  = &btf.Int{Name: "u64", Size: 8}
	s64Type  = &btf.Int{Name: "s64", Size: 8, Encoding: btf.Signed}
	charType = &btf.Int{Name: "char", Size: 1, Encoding: btf.Char | btf.Signed}
	voidType = &btf.Void{}
)

var baseTypes = map[string]*btf.Int{
	"u8": {Name: "u8", Size: 1}, "u16": {Name: "u16", Size: 2}, "u32": {Name: "u32", Size: 4}, "u64": {Name: "u64", Size: 8},
	"s8": {Name: "s8", Size: 1, Encoding: btf.Signed}, "s16": {Name: "s16", Size: 2, Encoding: btf.Signed},
	"s32": {Name: "s32", Size: 4, Encoding: btf.Signed}, "s64": {Name: "s64", Size: 8, Encoding: btf.Signed},
	"char": charType, "unsigned char": {Name: "unsigned char", Size: 1}, "signed char": {Name: "signed char", Size: 1, Encoding: btf.Signed},
	"short": {Name: "short", Size: 2, Encoding: btf.Signed}, "unsigned short": {Name: "unsigned short", Size: 2},
	"int": {Name: "int", Size: 4, Encoding: btf.Signed}, "unsigned int": {Name: "unsigned int", Size: 4}, "unsigned": {Name: "unsigned int", Size: 4},
	"long": {Name: "long", Size: 8, Encoding: btf.Signed}, "unsigned long": {Name: "unsigned long", Size: 8},
	"long long": {Name: "long long", Size: 8, Encoding: btf.Signed}, "unsigned long long": {Name: "unsigned long long", Size: 8},
}

// resolveType turns a cast's type name into a BTF type: base integer
// names, "struct NAME", "union NAME", "enum NAME", typedef names, each
// followed by any number of "*".
func resolveType(spec *btf.Spec, name string) (btf.Type, error) {
	stars := strings.Count(name, "*")
	base := strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(name, "*", ""), "const ", ""))
	base = strings.Join(strings.Fields(base), " ")
	var t btf.Type
	switch {
	case base == "void":
		t = voidType
	case baseTypes[base] != nil:
		t = baseTypes[base]
	default:
		if spec == nil {
			return nil, fmt.Errorf("type %q needs kernel BTF, which is not available", base)
		}
		kind, tname, tagged := strings.Cut(base, " ")
		if !tagged {
			kind, tname = "", base
		}
		cands, err := spec.AnyTypesByName(tname)
		if err != nil {
			return nil, fmt.Errorf("no type %q in kernel BTF", base)
		}
		for _, c := range cands {
			switch c.(type) {
			case *btf.Struct:
				if kind == "struct" {
					t = c
				}
			case *btf.Union:
				if kind == "union" {
					t = c
				}
			case *btf.Enum:
				if kind == "enum" {
					t = c
				}
			case *btf.Typedef, *btf.Int:
				if kind == "" {
					t = c
				}
			}
			if t != nil {
				break
			}
		}
		if t == nil {
			return nil, fmt.Errorf("no type %q in kernel BTF", base)
		}
	}
	for range stars {
		t = &btf.Pointer{Target: t}
	}
	return t, nil
}

// userTagged reports whether a pointer's target carries the __user tag.
func userTagged(ptr *btf.Pointer) bool {
	t := ptr.Target
	for {
		switch x := t.(type) {
		case *btf.TypeTag:
			if x.Value == "user" {
				return true
			}
			t = x.Type
		case *btf.Const:
			t = x.Type
		case *btf.Volatile:
			t = x.Type
		default:
			return false
		}
	}
}

func typeSize(t btf.Type) (int, error) {
	n, err := btf.Sizeof(t)
	return n, err
}

func typeName(t btf.Type) string {
	switch x := t.(type) {
	case *btf.Pointer:
		return typeName(x.Target) + " *"
	case *btf.Struct:
		return "struct " + x.Name
	case *btf.Union:
		return "union " + x.Name
	case *btf.Enum:
		return "enum " + x.Name
	case *btf.Array:
		return fmt.Sprintf("%s[%d]", typeName(x.Type), x.Nelems)
	case *btf.Void:
		return "void"
	case *btf.Const:
		return typeName(x.Type)
	case *btf.Volatile:
		return typeName(x.Type)
	case *btf.TypeTag:
		return typeName(x.Type)
	}
	if t == nil {
		return "u64"
	}
	return t.TypeName()
}

func isChar(t btf.Type) bool {
	i, ok := btf.As[*btf.Int](t)
	return ok && i.Size == 1
}

// formatType maps a tracepoint format field's C type to a BTF type.
func formatType(ctype string, size int, signed bool) btf.Type {
	if strings.HasSuffix(strings.TrimSpace(ctype), "*") {
		if strings.Contains(ctype, "char") {
			return &btf.Pointer{Target: charType}
		}
		return &btf.Pointer{Target: voidType}
	}
	if t, ok := baseTypes[strings.TrimPrefix(strings.TrimSpace(ctype), "const ")]; ok && int(t.Size) <= size {
		return t
	}
	enc := btf.IntEncoding(0)
	if signed {
		enc = btf.Signed
	}
	return &btf.Int{Name: ctype, Size: uint32(size), Encoding: enc}
}
