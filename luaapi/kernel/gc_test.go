package kernel

import (
	"runtime/debug"
	"testing"
)

// TestGCTarget: startup runs at the flood target and gets its old target
// back when it is done, unless a flood came first; GOGC set by the user
// is never overridden.
func TestGCTarget(t *testing.T) {
	tests := []struct {
		name  string
		gogc  string // "" for unset
		steps []func()
		want  int
	}{
		{"startup raises", "", []func(){StartupGC}, FloodGCPercent},
		{"done restores", "", []func(){StartupGC, StartupDone}, 100},
		{"a flood during startup stays", "", []func(){StartupGC, floodGC, StartupDone}, FloodGCPercent},
		{"a flood after startup", "", []func(){StartupGC, StartupDone, floodGC}, FloodGCPercent},
		{"done without startup", "", []func(){StartupDone}, 100},
		{"GOGC is kept at startup", "150", []func(){StartupGC}, 150},
		{"GOGC is kept in a flood", "150", []func(){StartupGC, floodGC, StartupDone}, 150},
	}
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gcTarget.starting, gcTarget.before = false, 0
			gcFlooded.Store(false)
			if tc.gogc != "" {
				t.Setenv("GOGC", tc.gogc)
				debug.SetGCPercent(150) // what the runtime read from it
			} else {
				debug.SetGCPercent(100)
			}
			for _, step := range tc.steps {
				step()
			}
			if got := debug.SetGCPercent(100); got != tc.want {
				t.Errorf("GC target %d, want %d", got, tc.want)
			}
		})
	}
}
