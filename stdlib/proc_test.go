package stdlib_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestProcModule reads this test process through /proc, and a pid that
// does not exist.
func TestProcModule(t *testing.T) {
	cwd, _ := os.Getwd()
	comm, _ := os.ReadFile("/proc/self/comm")
	ns, _ := os.Readlink("/proc/self/ns/net")
	pid := fmt.Sprint(os.Getpid())
	tests := []struct{ code, want string }{
		{`return require("proc").cwd(` + pid + `)`, cwd},
		{`return require("proc").comm(` + pid + `)`, strings.TrimSpace(string(comm))},
		{`return require("proc").cmdline(` + pid + `)`, strings.Join(os.Args, " ")},
		{`return "net:[" .. require("proc").netns(` + pid + `) .. "]"`, ns},
		{`return tostring(require("proc").fd(` + pid + `, 0) ~= nil)`, "true"},
		{`local p = require("proc") return tostring(p.comm(4194305)) .. tostring(p.cwd(4194305)) .. tostring(p.netns(4194305)) .. tostring(p.cmdline(4194305))`, "nilnilnilnil"},
	}
	for _, tc := range tests {
		if got := run(t, nil, tc.code); got != tc.want {
			t.Errorf("%s = %q, want %q", tc.code, got, tc.want)
		}
	}
}
