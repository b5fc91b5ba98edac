package osext

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"github.com/luatrace/luatrace/luaapi/internal/luatest"
)

func TestReadlink(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink("target-of-link", dir+"/l"); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ code, want string }{
		{`return os.readlink("` + dir + `/l")`, "target-of-link"},
		{`local t, err = os.readlink("` + dir + `/missing") return tostring(t) .. " " .. err`, "nil readlink " + dir + "/missing: no such file or directory"},
	}
	for _, tc := range tests {
		if got, err := luatest.Result(t, Open, tc.code); err != nil || got != tc.want {
			t.Errorf("%s = %q, %v; want %q", tc.code, got, err, tc.want)
		}
	}
}

func TestExecute(t *testing.T) {
	tests := []struct{ code, want string }{
		{`return os.execute("true")`, "0"},
		{`return os.execute("exit 3")`, "1"},
	}
	for _, tc := range tests {
		if got, err := luatest.Result(t, Open, tc.code); err != nil || got != tc.want {
			t.Errorf("%s = %q, %v; want %q", tc.code, got, err, tc.want)
		}
	}
}

// TestExecuteStopped: a command still running when the script is stopped
// (its context ends) gets SIGINT, so os.execute returns instead of waiting
// for it; the shell's trap says it was SIGINT.
func TestExecuteStopped(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	Open(L)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	L.SetContext(ctx)
	dir := t.TempDir()
	ready := filepath.Join(dir, "ready")
	if err := unix.Mkfifo(ready, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		// The shell writes a line once its trap is set: then stop.
		if b, err := os.ReadFile(ready); err == nil && len(b) > 0 {
			cancel()
		}
	}()
	code := `return os.execute("trap 'kill $s; echo INT > ` + dir + `/got; exit 1' INT; sleep 3600 & s=$!; echo > ` + ready + `; wait")`
	if err := L.DoString(code); err != nil && !strings.Contains(err.Error(), "context canceled") {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "got"))
	if err != nil || strings.TrimSpace(string(got)) != "INT" {
		t.Errorf("the command's trap wrote %q, %v; want INT", got, err)
	}
}
