package attach

import (
	"debug/elf"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/probespec"
	"github.com/luatrace/luatrace/bpf/usym"
)

// resolveUprobe finds the file offset of every function a uprobe spec
// names. A glob keeps what can be attached and reports the rest as
// skipped; a single name that cannot be attached is an error.
func (e *Env) resolveUprobe(s probespec.Spec) ([]Target, []Skipped, error) {
	bin, err := e.matcher().Binary(s.Path)
	if err != nil {
		return nil, nil, err
	}
	if s.Kind == probespec.Uretprobe && usym.IsGoBinary(bin) {
		return nil, nil, fmt.Errorf("probe %q: a uretprobe would corrupt the stack of Go program %s (goroutine stacks move); trace its callers or use uprobe on the function instead", s.Raw, bin)
	}
	layout, err := usym.ReadLayout(bin)
	if err != nil {
		return nil, nil, err
	}
	code, err := os.Open(bin) // for the first instruction of each target
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read %s: %w", bin, err)
	}
	defer code.Close()
	program := s.Kind.Info().Program
	mk := func(sym string, off uint64, note string) Target {
		return Target{Spec: s, Name: s.Kind.String() + ":" + bin + ":" + sym, Func: sym, Path: bin,
			Program: program, Args: collector.MaxRegisterArgs, Address: off, Note: note}
	}
	points, err := e.matcher().Match(s)
	if err != nil {
		return nil, nil, err
	}
	if s.Address != 0 {
		off, ok := layout.FileOffset(s.Address)
		if !ok {
			return nil, nil, fmt.Errorf("probe %q: address 0x%x is not in the code of %s (file size 0x%x); give a function name or an address as nm prints it", s.Raw, s.Address, bin, layout.Size)
		}
		if err := checkFirstInstruction(code, bin, off, fmt.Sprintf("0x%x", s.Address)); err != nil {
			return nil, nil, fmt.Errorf("probe %q: %w", s.Raw, err)
		}
		return []Target{mk(points[0].Func, off, "")}, nil, nil
	}
	if !s.Wildcard() {
		off, note, err := e.uprobeOffset(s, bin, layout, code, points[0].Symbol)
		if err != nil {
			return nil, nil, fmt.Errorf("probe %q: %w", s.Raw, err)
		}
		return []Target{mk(s.Func, off, note)}, nil, nil
	}
	var (
		targets []Target
		skipped []Skipped
		ifuncAt = map[uint64]string{} // implementation offset → IFUNC
	)
	for _, p := range points {
		sym := p.Symbol
		off, note, err := e.uprobeOffset(s, bin, layout, code, sym)
		if err != nil {
			skipped = append(skipped, Skipped{Name: sym.Name, Reason: err.(*offsetError).reason, Detail: err.Error()})
			continue
		}
		if sym.Type == elf.STT_GNU_IFUNC {
			// memcpy and memmove may pick one implementation: probing
			// it twice would count each call under both names.
			if other, dup := ifuncAt[off]; dup {
				skipped = append(skipped, Skipped{Name: sym.Name, Reason: "IFUNCs sharing another's implementation",
					Detail: fmt.Sprintf("IFUNC %s selects the same implementation as %s, which is probed already", sym.Name, other)})
				continue
			}
			ifuncAt[off] = sym.Name
		}
		targets = append(targets, mk(sym.Name, off, note))
	}
	if len(targets) == 0 {
		return nil, skipped, fmt.Errorf("probe %q: none of the %d functions matching %q in %s can take a uprobe (%s)", s.Raw, len(points), s.Func, bin, SummarizeSkipped(skipped))
	}
	return targets, skipped, nil
}

// uprobeOffset is the file offset a uprobe on sym attaches at, and a note
// for -v when it is not simply the symbol's address (IFUNCs).
func (e *Env) uprobeOffset(s probespec.Spec, bin string, layout *usym.Layout, code io.ReaderAt, sym usym.Symbol) (uint64, string, error) {
	if sym.Size != 0 && s.Offset >= sym.Size {
		return 0, "", &offsetError{"offset past the end of the function",
			fmt.Sprintf("offset %d is past the end of %s (size %d) in %s", s.Offset, sym.Name, sym.Size, bin)}
	}
	vaddr, note := sym.Value, ""
	if sym.Type == elf.STT_GNU_IFUNC && s.Offset != 0 {
		return 0, "", &offsetError{"offsets into IFUNCs",
			fmt.Sprintf("%s in %s is an IFUNC, whose implementation here has no symbol or size to check an offset against; give an address (uprobe:%s:0xADDR)", sym.Name, bin, bin)}
	}
	if sym.Type == elf.STT_GNU_IFUNC {
		if impl, ok := usym.ResolveIFUNC(bin, sym.Value, e.PID); ok {
			vaddr = impl.Vaddr
			note = fmt.Sprintf("%s is an IFUNC: attached to the implementation it selects on this machine, at 0x%x (read from process %d; the resolver is at 0x%x)", sym.Name, impl.Vaddr, impl.PID, sym.Value)
		} else {
			note = fmt.Sprintf("%s is an IFUNC: attached to its resolver at 0x%x, as bpftrace does, which runs when a process loads %s rather than on each call (no running process has the selected implementation to read)", sym.Name, sym.Value, bin)
		}
	}
	off, ok := layout.FileOffset(vaddr + s.Offset)
	if !ok {
		return 0, "", &offsetError{"outside the executable segments",
			fmt.Sprintf("%s at 0x%x is not in an executable segment of %s", sym.Name, vaddr, bin)}
	}
	what := sym.Name
	if vaddr != sym.Value {
		what = fmt.Sprintf("%s (its implementation at 0x%x)", sym.Name, vaddr)
	}
	if err := checkFirstInstruction(code, bin, off, what); err != nil {
		return 0, "", err
	}
	return off, note, nil
}

// checkFirstInstruction refuses a uprobe the kernel would refuse anyway
// (lock and segment prefixes), which would fail a whole multi-target
// link, and one on an AVX-512 (EVEX-encoded) instruction: the kernel
// single-steps a copy of the probed instruction, and for these the traced
// program then computes wrong results (seen on Linux 6.18 with glibc's
// __strchr_evex, by bpftrace as well; test/e2e TestUprobeEVEX). A
// corrupted program is worse than a missing probe.
func checkFirstInstruction(code io.ReaderAt, bin string, off uint64, what string) error {
	switch usym.FirstInstruction(code, off) {
	case usym.InsnEVEX:
		return &offsetError{"starting with an AVX-512 instruction",
			fmt.Sprintf("%s in %s starts with an AVX-512 (EVEX) instruction, which a uprobe would make the traced program execute wrongly; probe a caller or a function it calls instead", what, bin)}
	case usym.InsnBadPrefix:
		return &offsetError{"starting with a lock or segment prefix",
			fmt.Sprintf("%s in %s starts with a lock- or segment-prefixed instruction, which the kernel's uprobes cannot single-step; probe a caller or a function it calls instead", what, bin)}
	}
	return nil
}

// offsetError is why a symbol has no place for a uprobe: a short reason
// for the count of skipped targets and the full sentence.
type offsetError struct{ reason, msg string }

func (e *offsetError) Error() string { return e.msg }

// Skipped is a target of a glob that was left out: Reason is short and
// shared by similar cases (they are counted by it), Detail the sentence
// -v prints.
type Skipped struct {
	Name   string
	Reason string
	Detail string
}

// SummarizeSkipped counts skipped targets by reason, commonest first:
// "3 IFUNCs sharing another's implementation, 1 refused by the kernel".
func SummarizeSkipped(skipped []Skipped) string {
	counts := map[string]int{}
	for _, s := range skipped {
		counts[s.Reason]++
	}
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		if counts[kinds[i]] != counts[kinds[j]] {
			return counts[kinds[i]] > counts[kinds[j]]
		}
		return kinds[i] < kinds[j]
	})
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%d %s", counts[k], k)
	}
	return strings.Join(parts, ", ")
}
