package osext

import (
	"os"
	"testing"

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
