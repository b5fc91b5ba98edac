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
