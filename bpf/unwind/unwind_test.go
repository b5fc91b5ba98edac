package unwind

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/luatrace/luatrace/bpf/usym"
)

// The workload's variants: how the program is built, and so which
// unwinding each of its frames needs (Debian's libc has CFI and no frame
// pointers in all of them).
var variants = []struct {
	name  string
	flags []string
}{
	{"eh_frame", []string{"-O2", "-fomit-frame-pointer"}},
	{"debug_frame", []string{"-O2", "-fomit-frame-pointer", "-fno-asynchronous-unwind-tables", "-g"}},
	{"frame pointers only", []string{"-O2", "-fno-omit-frame-pointer", "-mno-omit-leaf-frame-pointer", "-fno-asynchronous-unwind-tables", "-fno-unwind-tables"}},
}

// requireLibcDebug skips unless libc's separate debug info is installed
// (its static functions, __libc_start_call_main and qsort's helpers, are
// only named there); under CI it fails.
func requireLibcDebug(t testing.TB) {
	t.Helper()
	if m, _ := filepath.Glob("/usr/lib/debug/.build-id/*/*.debug"); len(m) > 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("libc6-dbg is needed to name libc's internal frames: apt-get install libc6-dbg")
	}
	t.Skip("libc6-dbg is not installed")
}

// names symbolizes a stack: function names, "?" for unknown ones.
func names(p *usym.Process, st Stack) []string {
	var out []string
	for _, f := range p.ResolveStack(st.PCs()) {
		n := f.Sym
		if n == "" {
			n = "?"
		}
		out = append(out, n)
	}
	return out
}

// libcFrames counts the frames from i on that are in libc.
func libcFrames(p *usym.Process, st Stack, i int) int {
	n := 0
	for _, f := range p.ResolveStack(st.PCs())[i:] {
		if !strings.Contains(f.Module, "/libc.so") {
			break
		}
		n++
	}
	return n
}

// wantQsortStack checks the stack is cmp <- libc's qsort frames <- work <-
// main <- __libc_start_call_main (and on to _start), complete.
func wantQsortStack(t *testing.T, p *usym.Process, st Stack) {
	t.Helper()
	got := names(p, st)
	if len(got) < 5 || got[0] != "cmp" {
		t.Fatalf("stack %v (%v), want cmp first", got, st.End)
	}
	n := libcFrames(p, st, 1)
	rest := got[1+n:]
	if n == 0 || len(rest) < 3 || rest[0] != "work" || rest[1] != "main" || rest[2] != "__libc_start_call_main" {
		t.Fatalf("stack %v (%v), want cmp <- libc qsort frames <- work <- main <- __libc_start_call_main", got, st.End)
	}
	if !slices.Contains(got[1:1+n], "msort_with_tmp.part.0") && !slices.Contains(got[1:1+n], "msort_with_tmp") {
		t.Errorf("libc frames %v: want qsort's msort_with_tmp", got[1:1+n])
	}
	if st.End != EndComplete || got[len(got)-1] != "_start" {
		t.Errorf("stack %v ends %v, want complete at _start", got, st.End)
	}
}

// TestUnwindAtComparator stops each variant in its comparator, called from
// inside libc's qsort, and unwinds with CFI (frame pointers where the
// program has no CFI): the whole stack comes back. Frame pointers alone
// (what bpf_get_stack does) stop in libc, which keeps none.
func TestUnwindAtComparator(t *testing.T) {
	requireLibcDebug(t)
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			bin := buildQsort(t, v.flags...)
			tr := startTracee(t, bin, "600000")
			// Four instructions in: past a frame-pointer prologue.
			tr.stopIn(tr.addr(bin, "cmp"), 4)
			s := tr.capture(DefaultStackSize)
			store := usym.NewStore(usym.Config{})
			p, err := store.Snapshot(tr.pid)
			if err != nil {
				t.Fatal(err)
			}
			u := NewUnwinder()
			st := u.Unwind(p, s, DWARF)
			t.Logf("dwarf: %v (%v)", names(p, st), st.End)
			wantQsortStack(t, p, st)

			fp := u.Unwind(p, s, FramePointers)
			got := names(p, fp)
			t.Logf("frame pointers: %v (%v)", got, fp.End)
			if got[0] != "cmp" || slices.Contains(got, "work") || slices.Contains(got, "main") {
				t.Errorf("frame-pointer stack %v: want cmp, then nothing of work or main (libc keeps no frame pointers)", got)
			}
		})
	}
}

// TestUnwindSampled interrupts the eh_frame variant at 200 arbitrary
// points, as a profiler's timer would, and unwinds each sample: every
// stack must be complete (reach _start), and every one whose leaf is cmp
// must be the full qsort stack.
func TestUnwindSampled(t *testing.T) {
	requireLibcDebug(t)
	bin := buildQsort(t, variants[0].flags...)
	tr := startTracee(t, bin, "600000")
	tr.stopIn(tr.addr(bin, "work"), 0)
	store := usym.NewStore(usym.Config{})
	p, err := store.Snapshot(tr.pid)
	if err != nil {
		t.Fatal(err)
	}
	u := NewUnwinder()
	inCmp := 0
	const samples = 200
	for range samples {
		tr.cont(0)
		spin()
		tr.interrupt()
		s := tr.capture(DefaultStackSize)
		st := u.Unwind(p, s, DWARF)
		got := names(p, st)
		if st.End != EndComplete || got[len(got)-1] != "_start" {
			t.Errorf("sample at %v ends %v", got, st.End)
			continue
		}
		if got[0] == "cmp" {
			inCmp++
			wantQsortStack(t, p, st)
		}
	}
	t.Logf("%d of %d samples in cmp", inCmp, samples)
	if inCmp < samples/2 {
		t.Errorf("only %d of %d samples in cmp: the workload's hot function is not hot", inCmp, samples)
	}
}

// spin lets the tracee run for a while between two samples: a
// sampling interval, not a synchronisation.
func spin() {
	x := 0
	for i := range 200000 {
		x += i
	}
	sink = x
}

var sink int

// TestUnwindTrampolines stops where the CFI is an expression or lives
// outside any file: in the PLT stub on the way to qsort (its CFA depends
// on the pc) and in the vDSO's clock_gettime (the kernel's image).
func TestUnwindTrampolines(t *testing.T) {
	requireLibcDebug(t)
	bin := buildQsort(t, variants[0].flags...)
	tests := []struct {
		name  string
		stop  func(tr *tracee)
		outer []string // the frames expected after the leaf
	}{
		{"plt", func(tr *tracee) {
			tr.stopIn(tr.addr(bin, "work"), 0)
			m := tr.mapping(bin)
			plt := m.Image.ELF().Section(".plt")
			lo := tr.runtime(m, plt.Addr)
			// work fills its array first: 2048 iterations of 6 instructions.
			tr.stepUntil(50000, func(pc uint64) bool { return pc >= lo && pc < lo+plt.Size })
		}, []string{"work", "main", "__libc_start_call_main"}},
		{"vdso", func(tr *tracee) {
			tr.stopIn(tr.addr(bin, "work"), 0)
			tr.stopIn(tr.addr("/libc.so.6", "clock_gettime"), 0)
			vdso := tr.mapping("[vdso]")
			tr.stepUntil(100, func(pc uint64) bool { return pc >= vdso.Start && pc < vdso.End })
		}, []string{"clock_gettime", "main", "__libc_start_call_main"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := startTracee(t, bin, "600000")
			tc.stop(tr)
			s := tr.capture(DefaultStackSize)
			p, err := usym.NewStore(usym.Config{}).Snapshot(tr.pid)
			if err != nil {
				t.Fatal(err)
			}
			st := NewUnwinder().Unwind(p, s, DWARF)
			got := names(p, st)
			t.Logf("%v (%v)", got, st.End)
			if len(got) < 1+len(tc.outer) || !slices.Equal(got[1:1+len(tc.outer)], tc.outer) || st.End != EndComplete {
				t.Errorf("stack %v (%v), want a leaf then %v, complete", got, st.End, tc.outer)
			}
		})
	}
}

func TestFollowsCall(t *testing.T) {
	tests := []struct {
		name string
		code [7]byte
		want bool
	}{
		{"call rel32", [7]byte{0x48, 0x89, 0xe8, 1, 2, 3, 4}, true},
		{"call rax", [7]byte{0, 0, 0, 0, 0, 0xff, 0xd0}, true},
		{"call r12", [7]byte{0, 0, 0, 0, 0x41, 0xff, 0xd4}, true},
		{"call [rip+x]", [7]byte{0, 0xff, 0x15, 1, 2, 3, 4}, true},
		{"call [rax+8]", [7]byte{0, 0, 0, 0, 0xff, 0x50, 0x08}, true},
		{"call [rax*8+x]", [7]byte{0xff, 0x14, 0xc5, 1, 2, 3, 4}, true},
		{"jmp rax", [7]byte{0, 0, 0, 0, 0, 0xff, 0xe0}, false},
		{"data", [7]byte{0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70}, false},
		{"zeros", [7]byte{}, false},
	}
	for _, tc := range tests {
		if got := followsCall(tc.code); got != tc.want {
			t.Errorf("%s: followsCall(% x) = %v, want %v", tc.name, tc.code, got, tc.want)
		}
	}
}

// TestCFIStep applies unwind rows to a made-up stack: every rule kind,
// the epilogue whose CFI (glibc's, written by hand) still places popped
// registers below the stack pointer, the PLT's CFA expression, and the
// ends.
func TestCFIStep(t *testing.T) {
	const sp = 0x7ff0_0000
	stack := make([]byte, 64)
	for i := range 8 {
		binary.LittleEndian.PutUint64(stack[i*8:], 0x1000+uint64(i)) // word i holds 0x1000+i
	}
	var regs Regs
	for i := range NumRegs {
		regs.Set(i, 0xa0+uint64(i))
	}
	regs.Set(RSP, sp)
	cfaRSP := func(off int64) rule { return rule{kind: ruleValOffset, reg: RSP, off: off} }
	raAt := rule{kind: ruleOffset, off: -8}
	// DW_OP_breg7 8; DW_OP_breg16 0; DW_OP_lit15; DW_OP_and; DW_OP_lit11;
	// DW_OP_ge; DW_OP_lit3; DW_OP_shl; DW_OP_plus: the lazy PLT's CFA.
	pltCFA := []byte{0x77, 8, 0x80, 0, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22}
	tests := []struct {
		name    string
		row     row
		rip     uint64 // the callee's pc, when it matters
		end     End
		want    map[int]uint64 // caller registers
		unknown []int          // caller registers that must be unknown
	}{
		{"leaf", row{cfa: cfaRSP(8), ra: raAt}, 0, endNone,
			map[int]uint64{RIP: 0x1000, RSP: sp + 8, RBX: 0xa0 + RBX, RBP: 0xa0 + RBP}, []int{RAX, RDI}},
		{"saved rbx and rbp", row{cfa: cfaRSP(24), ra: raAt, regs: []regRule{{RBX, rule{kind: ruleOffset, off: -24}}, {RBP, rule{kind: ruleOffset, off: -16}}}}, 0, endNone,
			map[int]uint64{RIP: 0x1002, RSP: sp + 24, RBX: 0x1000, RBP: 0x1001}, nil},
		{"epilogue after the pops", row{cfa: cfaRSP(8), ra: raAt, regs: []regRule{{RBX, rule{kind: ruleOffset, off: -56}}}}, 0, endNone,
			map[int]uint64{RIP: 0x1000, RBX: 0xa0 + RBX}, nil},
		{"register and value rules", row{cfa: cfaRSP(16), ra: raAt, regs: []regRule{{R12, rule{kind: ruleRegister, reg: RBX}}, {R13, rule{kind: ruleValOffset, off: -16}}}}, 0, endNone,
			map[int]uint64{RIP: 0x1001, RSP: sp + 16, R12: 0xa0 + RBX, R13: sp}, nil},
		{"plt entry", row{cfa: rule{kind: ruleValExpr, expr: pltCFA}, ra: raAt}, 0x5000, endNone,
			map[int]uint64{RIP: 0x1000, RSP: sp + 8}, nil},
		{"plt after its push", row{cfa: rule{kind: ruleValExpr, expr: pltCFA}, ra: raAt}, 0x500b, endNone,
			map[int]uint64{RIP: 0x1001, RSP: sp + 16}, nil},
		{"outermost", row{cfa: cfaRSP(8), ra: rule{kind: ruleUndefined}}, 0, EndComplete, nil, nil},
		{"return address beyond the copy", row{cfa: cfaRSP(4096), ra: raAt}, 0, EndTruncated, nil, nil},
		{"saved register beyond the copy", row{cfa: cfaRSP(8), ra: raAt, regs: []regRule{{RBX, rule{kind: ruleOffset, off: 4096}}}}, 0, endNone,
			map[int]uint64{RIP: 0x1000}, []int{RBX}},
		{"CFA from an unknown register", row{cfa: rule{kind: ruleValOffset, reg: 40, off: 8}, ra: raAt}, 0, EndNoInfo, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := regs
			if tc.rip != 0 {
				r.Set(RIP, tc.rip)
			}
			s := &Sample{Regs: r, Stack: stack}
			next, end := cfiStep(s, &r, &tc.row)
			if end != tc.end {
				t.Fatalf("end %v, want %v", end, tc.end)
			}
			for reg, want := range tc.want {
				if got, ok := next.Get(reg); !ok || got != want {
					t.Errorf("register %d = %#x (known %v), want %#x", reg, got, ok, want)
				}
			}
			for _, reg := range tc.unknown {
				if _, ok := next.Get(reg); ok {
					t.Errorf("register %d known, want unknown", reg)
				}
			}
		})
	}
}
