package unwind

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/luatrace/luatrace/bpf/usym"
)

// regNames are readelf's names of the DWARF registers.
var regNames = map[string]int{
	"rax": RAX, "rdx": RDX, "rcx": RCX, "rbx": RBX, "rsi": RSI, "rdi": RDI, "rbp": RBP, "rsp": RSP,
	"r8": R8, "r9": R9, "r10": R10, "r11": R11, "r12": R12, "r13": R13, "r14": R14, "r15": R15, "ra": RIP,
}

// readelfRow is one row of `readelf --debug-dump=frames-interp`.
type readelfRow struct {
	loc   uint64
	cfa   string            // "rsp+8", "exp"
	rules map[string]string // column → "c-16", "u", "exp", ...
}

// readelfRows runs readelf on file and returns its rows.
func readelfRows(t *testing.T, file string) []readelfRow {
	t.Helper()
	// readelf exits 1 on libc ("Unable to find program interpreter
	// name") after printing every frame.
	out, err := exec.Command("readelf", "--debug-dump=frames-interp", file).Output()
	if len(out) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("readelf: %v", err)
		}
		t.Skipf("readelf: %v", err)
	}
	var rows []readelfRow
	var cols []string
	inFDE := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) > 2 && f[0] == "LOC" && f[1] == "CFA":
			cols = f[2:]
		case len(f) == 2+len(cols) && len(f[0]) == 16 && cols != nil && inFDE:
			loc, err := strconv.ParseUint(f[0], 16, 64)
			if err != nil {
				continue
			}
			r := readelfRow{loc: loc, cfa: f[1], rules: map[string]string{}}
			for i, c := range cols {
				r.rules[c] = f[2+i]
			}
			rows = append(rows, r)
		case len(f) > 3 && (f[3] == "FDE" || f[3] == "CIE"):
			cols, inFDE = nil, f[3] == "FDE"
		}
	}
	return rows
}

// describe renders a row the way readelf does, for comparing.
func (r *row) describe(col string) string {
	if col == "CFA" {
		switch r.cfa.kind {
		case ruleValOffset:
			for name, n := range regNames {
				if uint64(n) == r.cfa.reg {
					return fmt.Sprintf("%s%+d", name, r.cfa.off)
				}
			}
		case ruleValExpr:
			return "exp"
		}
		return "?"
	}
	rl := rule{kind: ruleSame}
	if col == "ra" {
		rl = r.ra
	} else {
		for _, rr := range r.regs {
			if rr.reg == regNames[col] {
				rl = rr.rule
			}
		}
	}
	switch rl.kind {
	case ruleOffset:
		return fmt.Sprintf("c%+d", rl.off)
	case ruleExpr:
		return "exp"
	case ruleValExpr:
		return "vexp"
	case ruleRegister:
		for name, n := range regNames {
			if uint64(n) == rl.reg {
				return name
			}
		}
	case ruleUndefined:
		return "u"
	}
	return "s"
}

// TestRowsMatchReadelf computes the unwind row at every row start readelf
// interprets in libc's .eh_frame and the workload's, and checks the CFA and
// every saved register agree ("u" and "s" both mean unchanged for us).
func TestRowsMatchReadelf(t *testing.T) {
	files := []string{"/lib/x86_64-linux-gnu/libc.so.6", buildQsort(t, variants[0].flags...)}
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			f, err := os.Open(file)
			if err != nil {
				t.Skip(err)
			}
			defer f.Close()
			img, err := usym.OpenImage(f, file)
			if err != nil {
				t.Fatal(err)
			}
			tab := newTable(img)
			rows := readelfRows(t, file)
			if len(rows) < 10 {
				t.Fatalf("readelf gave %d rows", len(rows))
			}
			bad := 0
			for _, want := range rows {
				got := tab.row(want.loc)
				if got == nil {
					t.Errorf("%#x: no row", want.loc)
					bad++
					continue
				}
				if g := got.describe("CFA"); g != want.cfa {
					t.Errorf("%#x: CFA %s, readelf %s", want.loc, g, want.cfa)
					bad++
				}
				for col, w := range want.rules {
					g := got.describe(col)
					if w == "u" && col != "ra" {
						w = "s"
					}
					if g != w {
						t.Errorf("%#x: %s %s, readelf %s", want.loc, col, g, w)
						bad++
					}
				}
				if bad > 20 {
					t.Fatal("too many differences")
				}
			}
			t.Logf("%d rows agree", len(rows))
		})
	}
}
