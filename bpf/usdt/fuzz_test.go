package usdt

import (
	"debug/elf"
	"encoding/binary"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// argSeeds are argument strings as compilers write them into notes.
var argSeeds = []string{
	"-4@%eax", "8@%rdx", "1@%dl", "2@%r12w", "8@-8(%rbp)", "4@16(%rax)", "-8@(%rsi)", "-4@$5", "-2@$-300",
	"8@$18446744073709551615", "%rdi", "-4@%eax 1@%dl  -8@$81985529216486895 -2@$-300", "3@%eax", "x@%eax",
	"8@%xmm0", "8@sym(%rip)", "8@16(%rip)", "8@(%rax,%rbx,4)", "8@$nope", "8@rax", "-9223372036854775808@%eax",
	"8@0x7fffffff(%rsp)", "8@-2147483649(%rbp)",
}

// FuzzParseArgs: any argument string parses into arguments the collector
// can read (a width of 1, 2, 4 or 8 and a pt_regs word), or fails with a
// message that shows no raw control characters.
func FuzzParseArgs(f *testing.F) {
	for _, s := range argSeeds {
		f.Add(s)
	}
	notes, err := parseNotes(workloadSection(f), binary.LittleEndian, elf.ELFCLASS64)
	if err != nil {
		f.Fatal(err)
	}
	for _, n := range notes {
		f.Add(n.Args)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		args, err := ParseArgs(spec)
		if err != nil {
			if strings.ContainsFunc(err.Error(), unicode.IsControl) {
				t.Fatalf("%q: message with control characters: %q", spec, err)
			}
			return
		}
		if len(args) != len(strings.Fields(spec)) {
			t.Fatalf("%q: %d arguments from %d words", spec, len(args), len(strings.Fields(spec)))
		}
		for _, a := range args {
			switch {
			case a.Size != 1 && a.Size != 2 && a.Size != 4 && a.Size != 8:
				t.Fatalf("%q: argument %q of %d bytes", spec, a.Spec, a.Size)
			case a.Kind != ArgConst && (a.RegOffset%8 != 0 || a.RegOffset > 160):
				t.Fatalf("%q: argument %q in pt_regs word at byte %d", spec, a.Spec, a.RegOffset)
			case a.Kind == ArgMemory && (a.Value < -1<<31 || a.Value >= 1<<31):
				t.Fatalf("%q: argument %q with a displacement %d beyond 32 bits", spec, a.Spec, a.Value)
			}
		}
	})
}

// FuzzParseNotes: any bytes as a .note.stapsdt section give notes or an
// error, never a panic or a read past the section.
func FuzzParseNotes(f *testing.F) {
	f.Add(append(note(0x1170, 0x2010, 0x4030, "prov\x00first\x00-4@%eax\x00"), note(0x1180, 0x2010, 0, "prov\x00second\x00\x00")...))
	f.Add(note(1, 2, 3, "p\x00n\x00"))
	f.Add([]byte{8, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 3, 0, 0, 0})
	f.Add(workloadSection(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, class := range []elf.Class{elf.ELFCLASS64, elf.ELFCLASS32} {
			for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
				notes, err := parseNotes(data, order, class)
				if err != nil {
					continue
				}
				for _, n := range notes {
					if len(n.Provider)+len(n.Name)+len(n.Args) > len(data) {
						t.Fatalf("note %+v holds more text than the %d-byte section", n, len(data))
					}
				}
			}
		}
	})
}

// workloadBinary builds test/workloads/usdtprobes.c, whose notes are real
// seeds.
func workloadBinary(tb testing.TB) *elf.File {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "usdtprobes")
	if out, err := exec.Command("gcc", "-O1", "-o", bin, "../../test/workloads/usdtprobes.c").CombinedOutput(); err != nil {
		tb.Fatalf("gcc (needs systemtap-sdt-dev for sys/sdt.h): %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}

// workloadSection is the workload's .note.stapsdt section.
func workloadSection(tb testing.TB) []byte {
	tb.Helper()
	data, err := workloadBinary(tb).Section(".note.stapsdt").Data()
	if err != nil {
		tb.Fatal(err)
	}
	return data
}
