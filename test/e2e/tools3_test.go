package e2e

import (
	"maps"
	"regexp"
	"strings"
	"testing"
)

// tools3 lists the tools of this file; each has -h and a usage error.
var tools3 = []struct {
	name       string
	needsInput bool // exits 2 without a positional argument
}{
	{"funccount", true},
}

// TestTools3Listed: the tools are embedded, print their header for -h and
// name -h in a usage error.
func TestTools3Listed(t *testing.T) {
	list := luatrace(t, "--list-tools").expectOK(t)
	for _, tool := range tools3 {
		if !regexp.MustCompile(`(?m)^` + tool.name + ` `).MatchString(list.stdout) {
			t.Errorf("--list-tools lacks %s:\n%s", tool.name, list.stdout)
		}
		h := luatrace(t, tool.name, "-h").expectOK(t)
		if !strings.HasPrefix(h.stdout, tool.name+": ") || !strings.Contains(h.stdout, "Usage: luatrace "+tool.name) {
			t.Errorf("%s -h:\n%s", tool.name, h.stdout)
		}
		if bad := luatrace(t, tool.name, "-x"); bad.code != 2 || !strings.Contains(bad.stderr, "see "+tool.name+" -h") {
			t.Errorf("%s -x: exit %d, stderr %q", tool.name, bad.code, bad.stderr)
		}
		if !tool.needsInput {
			continue
		}
		if bad := luatrace(t, tool.name); bad.code != 2 || !strings.Contains(bad.stderr, "see "+tool.name+" -h") {
			t.Errorf("%s without an argument: exit %d, stderr %q", tool.name, bad.code, bad.stderr)
		}
	}
}

// TestFunccountTool counts a glob over two syscalls the workload makes
// 500 times each: one row per matched tracepoint, with exactly 500.
func TestFunccountTool(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-c", bin(t, "syscalls")+" 500", "funccount", "tracepoint:syscalls:sys_enter_getp*").expectOK(t)
	rows := regexp.MustCompile(`(?m)^(tracepoint:\S+) +(\d+)$`).FindAllStringSubmatch(r.stdout, -1)
	got := map[string]string{}
	for _, row := range rows {
		got[row[1]] = row[2]
	}
	want := map[string]string{"tracepoint:syscalls:sys_enter_getpid": "500", "tracepoint:syscalls:sys_enter_getppid": "500"}
	if !maps.Equal(got, want) {
		t.Errorf("counts %v, want %v:\n%s", got, want, r.stdout)
	}
	if !strings.Contains(r.stdout, "FUNC") || !strings.Contains(r.stdout, "COUNT") {
		t.Errorf("no FUNC/COUNT header:\n%s", r.stdout)
	}
}
