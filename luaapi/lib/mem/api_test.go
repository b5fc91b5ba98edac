package mem

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/internal/luatest"
)

type noKernel struct{}

func (noKernel) ReadKernel(uint64, int) ([]byte, error) { return nil, errors.New("no kernel here") }
func (noKernel) ReadKernelString(uint64, int) (string, error) {
	return "", errors.New("no kernel here")
}

// TestReads: process reads of this test's own memory (no privileges
// needed), and failures as nil and a message, never a raise.
func TestReads(t *testing.T) {
	buf := []byte("hello\x00world")
	addr := fmt.Sprintf("0x%x", uintptr(unsafe.Pointer(&buf[0])))
	pid := fmt.Sprint(os.Getpid())
	tests := []struct{ code, want string }{
		{`return mem.uread(` + pid + `, "` + addr + `", 5)`, "hello"},
		{`return mem.ustr(` + pid + `, "` + addr + `")`, "hello"},
		{`return mem.ustr(` + pid + `, "` + addr + `", 3)`, "hel"},
		{`return select(2, mem.uread(` + pid + `, 16, 4))`, "cannot read 4 bytes at 0x10 in process " + pid},
		{`return select(2, mem.kread(16, 4))`, "no kernel here"},
		{`return select(2, pcall(mem.uread, ` + pid + `, 16, 0))`, "size must be 1 to 1048576 bytes"},
		{`return select(2, pcall(mem.kread, {}, 4))`, "address expected"},
	}
	for _, tc := range tests {
		got, err := luatest.Result(t, func(L *lua.LState) { Open(L, noKernel{}) }, tc.code)
		if err != nil || !strings.Contains(got, tc.want) {
			t.Errorf("%s = %q, %v; want %q", tc.code, got, err, tc.want)
		}
	}
	runtime.KeepAlive(buf)
}
