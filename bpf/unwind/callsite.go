package unwind

import "github.com/luatrace/luatrace/bpf/usym"

// returnsHere checks a guessed caller frame (one found without CFI): its
// stack pointer is above the callee's and its pc is a return address, the
// instruction before it a call. Code that cannot be read passes.
func returnsHere(p *usym.Process, next, callee *Regs) bool {
	if next.Val[RSP] <= callee.Val[RSP] {
		return false
	}
	ra := next.Val[RIP]
	m := p.Find(ra - 1)
	if m == nil {
		return false
	}
	if m.Image == nil || ra-m.Start < 7 {
		return true
	}
	var code [7]byte
	off := ra - 7 - m.Start + m.Offset
	if n, err := m.Image.ReadAt(code[:], int64(off)); err != nil || n < len(code) {
		return true
	}
	return followsCall(code)
}

// followsCall reports whether the 7 bytes before a return address end with
// an x86-64 call: e8 rel32, or ff /2 (indirect: ModRM, maybe SIB and a
// displacement, maybe a REX prefix; 2 to 8 bytes, the 7 last checked).
func followsCall(code [7]byte) bool {
	if code[2] == 0xe8 {
		return true
	}
	for i := 0; i+2 <= len(code); i++ {
		at := i
		if code[at]&0xf0 == 0x40 && at+1 < len(code) { // REX
			at++
		}
		for _, start := range []int{i, at} {
			if code[start] != 0xff || start+1 >= len(code) {
				continue
			}
			if modrmLen(code[start+1:]) > 0 && (code[start+1]>>3)&7 == 2 && start+1+modrmLen(code[start+1:]) == len(code) {
				return true
			}
		}
	}
	return false
}

// modrmLen is the length of a ModRM operand (ModRM, SIB, displacement)
// starting at b[0]; 0 when b is too short to tell.
func modrmLen(b []byte) int {
	mod, rm := b[0]>>6, b[0]&7
	n := 1
	if mod == 3 {
		return n
	}
	if rm == 4 {
		if len(b) < 2 {
			return 0
		}
		n++ // SIB
		if mod == 0 && b[1]&7 == 5 {
			n += 4 // no base: disp32
		}
	}
	switch {
	case mod == 0 && rm == 5:
		n += 4 // rip-relative
	case mod == 1:
		n++
	case mod == 2:
		n += 4
	}
	return n
}
