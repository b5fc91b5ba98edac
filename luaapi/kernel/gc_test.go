package kernel

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestGCTarget: startup runs at a raised target and gets its old target
// back when it is done or at the first collection, unless a flood came
// first; GOGC set by the user is never overridden.
func TestGCTarget(t *testing.T) {
	collected := make(chan uint64, 16)
	startupCollected = collected
	defer func() { startupCollected = nil }()
	var sub *testing.T // the running case, which collect fails
	// collect collects until the cleanup of the case's own StartupGC
	// has run (earlier cases' may come first).
	collect := func() {
		gcTarget.Lock()
		round := gcTarget.round
		gcTarget.Unlock()
		deadline := time.After(10 * time.Second)
		for {
			runtime.GC()
			select {
			case r := <-collected:
				if r == round {
					return
				}
			case <-deadline:
				sub.Fatal("no collection ran startup's cleanup")
			}
		}
	}
	tests := []struct {
		name  string
		gogc  string // "" for unset
		steps []func()
		want  int
	}{
		{"startup raises", "", []func(){StartupGC}, StartupGCPercent},
		{"done restores", "", []func(){StartupGC, StartupDone}, 100},
		{"a collection restores", "", []func(){StartupGC, collect}, 100},
		{"a collection after done", "", []func(){StartupGC, StartupDone, floodGC, collect}, FloodGCPercent},
		{"a flood during startup stays", "", []func(){StartupGC, floodGC, StartupDone}, FloodGCPercent},
		{"a flood after startup", "", []func(){StartupGC, StartupDone, floodGC}, FloodGCPercent},
		{"done without startup", "", []func(){StartupDone}, 100},
		{"GOGC is kept at startup", "150", []func(){StartupGC}, 150},
		{"GOGC is kept in a flood", "150", []func(){StartupGC, floodGC, StartupDone}, 150},
	}
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sub = t
			gcTarget.Lock()
			gcTarget.starting, gcTarget.before = false, 0
			gcTarget.round++ // a previous case's cleanup changes nothing
			gcTarget.Unlock()
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
