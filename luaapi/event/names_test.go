package event

import (
	"fmt"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func TestNamesComm(t *testing.T) {
	var n Names
	tests := []struct {
		name  string
		names *Names
	}{
		{"interned", &n},
		{"interned again", &n},
		{"no cache", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range []string{"bash", "", "a-command-15chr"} {
				if got := tc.names.comm([]byte(c)); got != lua.LString(c) {
					t.Errorf("comm(%q) = %v", c, got)
				}
			}
		})
	}
	for i := range maxNames + 1 {
		n.comm(fmt.Appendf(nil, "c%d", i))
	}
	if len(n.comms) > maxNames {
		t.Errorf("%d commands kept, at most %d", len(n.comms), maxNames)
	}
}
