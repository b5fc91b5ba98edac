package testenv

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// KallsymsAddr returns a kernel symbol's address from /proc/kallsyms as
// "0x..." (leading zeros kept, as ksym and mem accept either). It fails t
// when the symbol is missing or its address hidden (kptr_restrict, or not
// root): a test that needs an address cannot run without one.
func KallsymsAddr(t testing.TB, name string) string {
	t.Helper()
	f, err := os.Open("/proc/kallsyms")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 3 && fields[2] == name && strings.Trim(fields[0], "0") != "" {
			return "0x" + fields[0]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Fatalf("%s has no visible address in /proc/kallsyms (missing, or hidden by kptr_restrict)", name)
	return ""
}
