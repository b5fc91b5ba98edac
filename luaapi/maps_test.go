package luaapi

import "testing"

// TestMapKeysCannotForgeLines: a key holding a newline (a process name
// set by the traced program) prints on one line, escaped.
func TestMapKeysCannotForgeLines(t *testing.T) {
	out, errs, status := runCode(t, Options{}, `local h = hist.new{name = "lat"}
h:add(5, "x]: 1\n@fake[y")
print(h)`)
	want := "@lat[x]: 1\\n@fake[y]: \n[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n"
	if status != 0 || out != want {
		t.Errorf("status %d, output %q, want %q; stderr %s", status, out, want, errs)
	}
}
