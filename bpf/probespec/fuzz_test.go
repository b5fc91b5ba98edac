package probespec

import (
	"strings"
	"testing"
	"unicode"

	"github.com/luatrace/luatrace/test/fuzzseed"
)

// FuzzParse: any text parses or gives an error that shows no raw control
// characters (so it stays one line); a parsed spec names its target, and
// its canonical form parses back to the same spec.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzseed.Strings(f) {
		f.Add(s)
	}
	for _, s := range []string{
		"k:vfs_read+16", "kprobe:nf_tables:nft_do_chain", "uprobe:/opt/a:b/bin:0x4a0", "u:/bin/bash:readline+4",
		"usdt:./app:probe1", "usdt:/a:b:c:d", "t:syscalls:sys_enter_*", "rt:sched_*", "p:ms:10", "profile:us:10",
		"i:ms:1500", "interval:s:99999999999999", " END ", "BEGIN:x", "uprobe:/bin/sh:0xzz", "kprobe:a+0x10",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		s, err := Parse(raw)
		if err != nil {
			checkMessage(t, err.Error())
			return
		}
		if s.Func == "" && s.Address == 0 && (s.Kind <= Uretprobe || s.Kind == RawTracepoint) {
			t.Fatalf("%q parsed as %#v, which names no function", raw, s)
		}
		again, err := Parse(s.String())
		if err != nil {
			t.Fatalf("%q parsed as %#v, whose canonical form %q does not parse: %v", raw, s, s.String(), err)
		}
		again.Raw = s.Raw
		if again != s {
			t.Fatalf("%q parsed as %#v, but its canonical form %q as %#v", raw, s, s.String(), again)
		}
	})
}

// checkMessage fails unless msg is one line without control characters.
func checkMessage(t *testing.T, msg string) {
	t.Helper()
	if strings.ContainsFunc(msg, unicode.IsControl) {
		t.Fatalf("error message carries control characters: %q", msg)
	}
}
