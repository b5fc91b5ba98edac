package kernel

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/luatrace/luatrace/luaapi/host"
	"github.com/luatrace/luatrace/luaapi/internal/luatest"
	"github.com/luatrace/luatrace/luaapi/stack"
	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// luaResult runs code with the kernel global; kernel memory is not
// readable in these tests.
func luaResult(t *testing.T, code string) (string, error) {
	t.Helper()
	return luatest.Result(t, func(L *lua.LState) { Open(L, noMemory{}, &stack.Symbols{}, &host.Host{}) }, code)
}

type noMemory struct{}

func (noMemory) ReadKernel(uint64, int) ([]byte, error) {
	return nil, errors.New("no kernel memory in this test")
}
func (noMemory) ReadKernelString(uint64, int) (string, error) {
	return "", errors.New("no kernel memory in this test")
}

// The kernel module answers from the running kernel's BTF and kallsyms;
// these facts hold for every kernel since 6.0.
func TestKernelModule(t *testing.T) {
	var u unix.Utsname
	unix.Uname(&u)
	tests := []struct{ code, want string }{
		{`return kernel.release()`, unix.ByteSliceToString(u.Release[:])},
		{`return tostring(kernel.has_field("struct sk_buff", "network_header"))`, "true"},
		{`return tostring(kernel.has_field("struct sk_buff", "no_such_member"))`, "false"},
		{`return tostring(kernel.has_field("struct no_such_type", "x"))`, "false"},
		// iov lives in an anonymous union; msg_iter.iter_type is nested.
		{`return tostring(kernel.has_field("struct iov_iter", "iov_offset"))`, "true"},
		{`return tostring(kernel.has_field("struct msghdr", "msg_iter.iter_type"))`, "true"},
		{`return tostring(kernel.has_field("struct msghdr", "msg_iter.nope"))`, "false"},
		// sk_family is a macro for __sk_common.skc_family, not a member.
		{`return tostring(kernel.has_field("struct sock", "sk_family"))`, "false"},
		{`return tostring(kernel.has_field("struct sock", "__sk_common.skc_family"))`, "true"},
		{`return kernel.enum("skb_drop_reason")[2]`, "SKB_DROP_REASON_NOT_SPECIFIED"},
		{`return kernel.enum("enum skb_drop_reason")[3]`, "SKB_DROP_REASON_NO_SOCKET"},
		{`return kernel.enum("sock_type")[1]`, "SOCK_STREAM"},
		{`return tostring(kernel.has_function("vfs_read"))`, "true"},
		{`return tostring(kernel.has_function("no_such_function_at_all"))`, "false"},
		// BPF and BTF are what luatrace runs on; the short name works too.
		{`return kernel.config("CONFIG_BPF_SYSCALL") .. kernel.config("DEBUG_INFO_BTF")`, "yy"},
		{`return tostring(kernel.config("CONFIG_NO_SUCH_OPTION_EVER"))`, "nil"},
	}
	for _, tc := range tests {
		got, err := luaResult(t, tc.code)
		if err != nil || got != tc.want {
			t.Errorf("%s = %q, %v; want %q", tc.code, got, err, tc.want)
		}
	}
}

func TestKernelModuleErrors(t *testing.T) {
	tests := []struct{ code, want string }{
		{`return kernel.enum("no_such_enum")`, "kernel.enum: this kernel's BTF has no enum no_such_enum"},
		{`return kernel.has_field("struct sk_buff")`, "bad argument #2"},
	}
	for _, tc := range tests {
		_, err := luaResult(t, tc.code)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.code, err, tc.want)
		}
	}
}

// kernel.walltime turns a CLOCK_MONOTONIC timestamp into the wall clock.
func TestWalltime(t *testing.T) {
	var mono unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &mono)
	before := time.Now()
	got, err := luaResult(t, `local s, ns = kernel.walltime(`+strconv.FormatInt(mono.Nano(), 10)+`) return s .. " " .. ns`)
	if err != nil {
		t.Fatal(err)
	}
	var sec, nsec int64
	if _, err := fmt.Sscanf(got, "%d %d", &sec, &nsec); err != nil || nsec < 0 || nsec >= 1e9 {
		t.Fatalf("kernel.walltime = %q", got)
	}
	if d := time.Unix(sec, nsec).Sub(before); d < -time.Millisecond || d > time.Millisecond {
		t.Errorf("walltime is %v off the wall clock", d)
	}
}
