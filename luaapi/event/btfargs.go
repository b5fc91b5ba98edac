package event

import (
	"github.com/cilium/ebpf/btf"

	"github.com/luatrace/luatrace/bpf/tracefs"
)

// isStringPointer: a BTF parameter whose type is a pointer to a C char
// type (const char *), the address of a string. Pointers to u8 and other
// typedefs are buffers and stay numbers.
func isStringPointer(t btf.Type) bool {
	ptr, ok := btf.UnderlyingType(t).(*btf.Pointer)
	if !ok {
		return false
	}
	i, ok := btf.QualifiedType(ptr.Target).(*btf.Int)
	return ok && tracefs.IsCharType(i.Name)
}

// btfTypeName is how C spells a string pointer parameter's type.
func btfTypeName(t btf.Type) string {
	ptr, _ := btf.UnderlyingType(t).(*btf.Pointer)
	name := "char"
	if i, ok := btf.QualifiedType(ptr.Target).(*btf.Int); ok {
		name = i.Name
	}
	if _, isConst := ptr.Target.(*btf.Const); isConst {
		return "const " + name + " *"
	}
	return name + " *"
}
