package e2e

import (
	"strings"
	"testing"
)

func TestUprobeArgsAndReturn(t *testing.T) {
	requireRoot(t)
	exe := bin(t, "ufuncs")
	script := `
probe("uprobe:` + exe + `:lt_add", function(e) printf("add %d %d\n", e.arg0, e.arg1) end)
probe("uretprobe:` + exe + `:lt_add", function(e) printf("add= %d\n", e.retval) end)
probe("uprobe:` + exe + `:lt_wide", function(e)
  printf("wide %s %d %d %d %d %d\n", hex(e.arg0), e.arg1, e.arg2, e.arg3, e.arg4, e.arg5)
end)
probe("uretprobe:` + exe + `:lt_wide", function(e) printf("wide= %s %x\n", tostring(e.retval), e.retval) end)
probe("uretprobe:` + exe + `:lt_neg", function(e) printf("neg= %d\n", e.retval) end)`
	r := luatrace(t, "-c", exe+" 2", "-e", script).expectOK(t)
	// 0xdeadbeefcafebab0 ^ 15 = 0xdeadbeefcafebabf: wider than 2^53, so a
	// "0x..." string that keeps every bit.
	want := strings.Repeat("add 3 4\nadd= 7\nwide 0xdeadbeefcafebab0 1 2 3 4 5\nwide= 0xdeadbeefcafebabf deadbeefcafebabf\nneg= -42\n", 2)
	if r.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s\nstderr:\n%s", r.stdout, want, r.stderr)
	}
}

func TestUprobeLibraryName(t *testing.T) {
	requireRoot(t)
	// getpid() in libc via its short name; the workload calls syscall(),
	// so watch libc's syscall wrapper instead.
	script := `local n = 0
probe("uprobe:libc:syscall", function(e) n = n + 1 end)
probe("END", function() print(n) end)`
	r := luatrace(t, "-c", bin(t, "syscalls")+" 25", "-e", script).expectOK(t)
	if got := strings.TrimSpace(r.stdout); got != "50" {
		t.Errorf("libc syscall() calls seen %q, want 50\nstderr:\n%s", got, r.stderr)
	}
}
