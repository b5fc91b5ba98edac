package e2e

import (
	"github.com/luatrace/luatrace/test/testenv"

	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// TestKernelRead reads a kernel function's first instruction: an ftrace
// site (5-byte nop or call) or an IBT landing pad, per /proc/kallsyms.
// A bad address gives nil and a message.
func TestKernelRead(t *testing.T) {
	requireRoot(t)
	addr := testenv.KallsymsAddr(t, "__x64_sys_getppid")
	r := luatrace(t, "-e", `local b = assert(mem.kread("`+addr+`", 5))
print((b:gsub(".", function(c) return string.format("%02x", c:byte()) end)))
print(mem.kread(16, 4))
print(mem.kstr(16))`).expectOK(t)
	lines := r.lines()
	if len(lines) != 3 {
		t.Fatalf("output:\n%s", r.stdout)
	}
	if b := lines[0]; b != "0f1f440000" && !strings.HasPrefix(b, "f30f1efa") && !strings.HasPrefix(b, "e8") {
		t.Errorf("first bytes of __x64_sys_getppid: %s, want a nop5, call or endbr64", b)
	}
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "nil\tcannot read kernel memory at 0x10: ") {
			t.Errorf("bad address: %q", l)
		}
	}
}

// TestUserRead reads a string in this test process by pid and address.
func TestUserRead(t *testing.T) {
	requireRoot(t)
	known := []byte("luatrace-uread-known\x00")
	addr := fmt.Sprintf("0x%x", uintptr(unsafe.Pointer(&known[0])))
	r := luatrace(t, "-e", fmt.Sprintf(`print(mem.ustr(%d, "%s"))
print(mem.uread(%d, "%s", 8))
print(mem.uread(%d, 0, 8))`, os.Getpid(), addr, os.Getpid(), addr, os.Getpid())).expectOK(t)
	runtime.KeepAlive(known)
	lines := r.lines()
	if len(lines) != 3 || lines[0] != "luatrace-uread-known" || lines[1] != "luatrace" || !strings.HasPrefix(lines[2], "nil\tcannot read 8 bytes at 0x0 in process") {
		t.Errorf("output:\n%s", r.stdout)
	}
}

// TestKernelObject views the traced task through BTF: comm and pid as the
// event has them, a pointer followed to the parent, an unknown member
// named with a suggestion.
func TestKernelObject(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-c", bin(t, "getppid_loop")+" 300000", "-e", `
probe("tracepoint:syscalls:sys_enter_getppid", { fields = { task = "curtask" } }, function(e)
  local task = assert(kernel.object(e.task, "struct task_struct"))
  printf("%s %s %s %s\n", task.comm == e.comm, task.pid == e.tid, task.tgid == e.pid, task.real_parent.tgid > 0)
  print(pcall(function() return task.comn end))
  print(kernel.object(e.task, "struct no_such_thing"))
  exit()
end)`).expectOK(t)
	var lines []string
	for _, l := range r.lines() {
		if _, err := strconv.ParseFloat(l, 64); err != nil { // the workload prints its ns per call
			lines = append(lines, l)
		}
	}
	if len(lines) < 3 || lines[0] != "true true true true" || !strings.Contains(lines[1], `struct task_struct has no member "comn" (did you mean comm?)`) ||
		!strings.HasPrefix(lines[2], "nil\t") {
		t.Errorf("output:\n%s", r.stdout)
	}
}
