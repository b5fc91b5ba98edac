package stdlib

import (
	"slices"
	"testing"
)

func TestSource(t *testing.T) {
	if b, ok := Source("top"); !ok || len(b) == 0 {
		t.Fatalf("top module missing")
	}
	if _, ok := Source("no_such_module"); ok {
		t.Errorf("found a module that does not exist")
	}
	if !slices.Contains(Modules(), "top") {
		t.Errorf("Modules() = %v", Modules())
	}
}

func TestDoc(t *testing.T) {
	src := []byte(`--- m: a module.
---
---   example()
local M = {}

-- plain comment, not documentation
local x = 1

--- Adds a and b.
--- Second line.
function M.add(a, b) return a + b end

--- A constant.
M.limit = 10

--- A method.
function M:run(opts) end
return M
`)
	want := `m: a module.

  example()

m.add(a, b)
    Adds a and b.
    Second line.

m.limit
    A constant.

m.run(opts)
    A method.
`
	if got := Doc("m", src); got != want {
		t.Errorf("Doc =\n%s\nwant\n%s", got, want)
	}
}
