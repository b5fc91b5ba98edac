package attach

import "github.com/cilium/ebpf/btf"

// Param is a function or tracepoint parameter as BTF describes it: enough
// to decode the raw 64-bit argument slot. Registers and trampoline slots
// hold 64 bits whatever the C type; an int's upper half is not defined, so
// it is cut to Size bytes and sign-extended when Signed.
type Param struct {
	Name   string
	Size   int // bytes of the C type; 8 for pointers and unknown types
	Signed bool
	Type   btf.Type // for the capture compiler
}

// paramOf reads a parameter's name and integer layout from BTF.
func paramOf(p btf.FuncParam) Param {
	param := Param{Name: p.Name, Size: 8, Type: p.Type}
	switch t := btf.UnderlyingType(p.Type).(type) {
	case *btf.Int:
		param.Size, param.Signed = int(t.Size), t.Encoding&btf.Signed != 0
	case *btf.Enum:
		param.Size, param.Signed = int(t.Size), t.Signed
	}
	if param.Size <= 0 || param.Size > 8 {
		param.Size = 8
	}
	return param
}

// Decode turns a raw 64-bit argument into the parameter's value.
func (p Param) Decode(raw uint64) (v uint64, signed bool) {
	if p.Size >= 8 {
		return raw, p.Signed
	}
	bits := uint(p.Size * 8)
	raw &= 1<<bits - 1
	if p.Signed && raw&(1<<(bits-1)) != 0 {
		raw |= ^uint64(0) << bits
	}
	return raw, p.Signed
}
