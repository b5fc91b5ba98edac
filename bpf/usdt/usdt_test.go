package usdt

import (
	"debug/elf"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		spec string
		want Arg
	}{
		{"-4@%eax", Arg{Kind: ArgRegister, Size: 4, Signed: true, Register: "eax", RegOffset: 80}},
		{"8@%rdx", Arg{Kind: ArgRegister, Size: 8, Register: "rdx", RegOffset: 96}},
		{"1@%dl", Arg{Kind: ArgRegister, Size: 1, Register: "dl", RegOffset: 96}},
		{"2@%r12w", Arg{Kind: ArgRegister, Size: 2, Register: "r12w", RegOffset: 24}},
		{"8@-8(%rbp)", Arg{Kind: ArgMemory, Size: 8, Register: "rbp", RegOffset: 32, Value: -8}},
		{"4@16(%rax)", Arg{Kind: ArgMemory, Size: 4, Register: "rax", RegOffset: 80, Value: 16}},
		{"-8@(%rsi)", Arg{Kind: ArgMemory, Size: 8, Signed: true, Register: "rsi", RegOffset: 104}},
		{"-4@$5", Arg{Kind: ArgConst, Size: 4, Signed: true, Value: 5}},
		{"-2@$-300", Arg{Kind: ArgConst, Size: 2, Signed: true, Value: -300}},
		{"8@$18446744073709551615", Arg{Kind: ArgConst, Size: 8, Value: -1}},
		{"%rdi", Arg{Kind: ArgRegister, Size: 8, Register: "rdi", RegOffset: 112}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ParseArgs(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Spec = tt.spec
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("ParseArgs(%q) = %+v, want %+v", tt.spec, got, tt.want)
			}
		})
	}
}

func TestParseArgsErrors(t *testing.T) {
	for _, spec := range []string{"3@%eax", "x@%eax", "8@%xmm0", "8@sym(%rip)", "8@16(%rip)", "8@(%rax,%rbx,4)", "8@$nope", "8@rax"} {
		if _, err := ParseArgs(spec); err == nil {
			t.Errorf("ParseArgs(%q) succeeded, want an error", spec)
		}
	}
}

func TestParseArgsList(t *testing.T) {
	args, err := ParseArgs("-4@%eax 1@%dl  -8@$81985529216486895 -2@$-300")
	if err != nil || len(args) != 4 || args[2].Value != 0x123456789abcdef {
		t.Fatalf("ParseArgs = %+v, %v", args, err)
	}
}

// note builds one stapsdt note as sys/sdt.h lays it out.
func note(pc, base, sema uint64, strs string) []byte {
	desc := binary.LittleEndian.AppendUint64(nil, pc)
	desc = binary.LittleEndian.AppendUint64(desc, base)
	desc = binary.LittleEndian.AppendUint64(desc, sema)
	desc = append(desc, strs...)
	b := binary.LittleEndian.AppendUint32(nil, 8)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(desc)))
	b = binary.LittleEndian.AppendUint32(b, noteType)
	b = append(b, "stapsdt\x00"...)
	b = append(b, desc...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func TestParseNotesAndRebase(t *testing.T) {
	data := append(note(0x1170, 0x2010, 0x4030, "prov\x00first\x00-4@%eax\x00"), note(0x1180, 0x2010, 0, "prov\x00second\x00\x00")...)
	notes, err := parseNotes(data, binary.LittleEndian, elf.ELFCLASS64)
	if err != nil || len(notes) != 2 {
		t.Fatalf("parseNotes = %+v, %v", notes, err)
	}
	first := notes[0]
	if first.Provider != "prov" || first.Name != "first" || first.Args != "-4@%eax" || first.PC != 0x1170 || first.Semaphore != 0x4030 {
		t.Errorf("first note = %+v", first)
	}
	// Prelinked: .stapsdt.base now sits 0x1000 higher than the note says.
	first.rebase(0x3010)
	if first.PC != 0x2170 || first.Semaphore != 0x5030 {
		t.Errorf("after rebase pc=0x%x sema=0x%x, want 0x2170 0x5030", first.PC, first.Semaphore)
	}
	second := notes[1]
	second.rebase(0x3010)
	if second.Semaphore != 0 || second.Args != "" {
		t.Errorf("second note = %+v, want no semaphore and no arguments", second)
	}
	if _, err := parseNotes(data[:30], binary.LittleEndian, elf.ELFCLASS64); err == nil {
		t.Error("a truncated section parsed without error")
	}
}

// TestReadNotes checks a real sys/sdt.h binary: the probe offsets land on
// the nop each probe site is, and the semaphore offsets on the
// semaphore variables in the file.
func TestReadNotes(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the workload's argument registers are x86-64")
	}
	bin := filepath.Join(t.TempDir(), "usdtprobes")
	out, err := exec.Command("gcc", "-O1", "-g", "-o", bin, "../../test/workloads/usdtprobes.c").CombinedOutput()
	if err != nil {
		t.Fatalf("gcc (needs systemtap-sdt-dev for sys/sdt.h): %v\n%s", err, out)
	}
	notes, err := ReadNotes(bin)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	probes := f.Section(".probes")
	names := map[string]bool{}
	for _, n := range notes {
		names[n.Provider+":"+n.Name] = true
		if raw[n.Offset] != 0x90 {
			t.Errorf("%s:%s: byte at file offset 0x%x is 0x%x, want a nop (0x90)", n.Provider, n.Name, n.Offset, raw[n.Offset])
		}
		var sema *elf.Symbol
		for i := range syms {
			if syms[i].Name == n.Provider+"_"+n.Name+"_semaphore" {
				sema = &syms[i]
			}
		}
		if sema == nil {
			t.Fatalf("no semaphore symbol for %s:%s", n.Provider, n.Name)
		}
		if want := sema.Value - probes.Addr + probes.Offset; n.SemaphoreOffset != want || n.Semaphore != sema.Value {
			t.Errorf("%s:%s: semaphore 0x%x at offset 0x%x, want 0x%x at 0x%x", n.Provider, n.Name, n.Semaphore, n.SemaphoreOffset, sema.Value, want)
		}
		if _, err := ParseArgs(n.Args); err != nil {
			t.Errorf("%s:%s: %v", n.Provider, n.Name, err)
		}
	}
	for _, want := range []string{"lt:regs", "lt:mem", "lt:consts", "lt:guarded"} {
		if !names[want] {
			t.Errorf("probe %s missing from %v", want, names)
		}
	}
	if !notes[0].Match("l*", "re?s") || notes[0].Match("lt", "mem") {
		t.Errorf("Match globs wrong for %+v", notes[0])
	}
}

func TestReadNotesWithoutSection(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	notes, err := ReadNotes(exe)
	if err != nil || len(notes) != 0 {
		t.Errorf("ReadNotes(test binary) = %v, %v; want none", notes, err)
	}
	if _, err := ReadNotes("/nonexistent"); err == nil {
		t.Error("ReadNotes of a missing file succeeded")
	}
}
