package kernel

import (
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// FloodGCPercent is the garbage collector's target once events flood in
// (a batch comes out of the ring buffer full): the heap may grow to five
// times what is live instead of twice. A flood's garbage is short-lived
// (records, event userdata, Lua numbers) over a small live heap, so at
// Go's default the collector ran and returned pages to the kernel so often
// that it took half of the reader's and callbacks' CPU time (measured: 950
// ns of CPU per event at GOGC=100, 550 at 400, with a Lua callback).
//
// Startup runs at the same target, until the script's main chunk and
// BEGIN have run: it allocates 3 to 5 MB, most of it live to the end (the
// Lua state, the collector's specs), and the one collection Go's 4 MB
// minimum heap caused cost 15 to 30 ms of CPU, a fifth of a script's
// start. A GOGC in the environment is the user's choice and is kept.
const FloodGCPercent = 400

// gcTarget is the collector's target as startup and floods set it.
var gcTarget struct {
	sync.Mutex
	starting bool // StartupGC raised it; StartupDone restores before
	before   int  // the target StartupGC replaced
}

// gcFlooded is set once floodGC has raised the target for good; reading
// it costs a full batch nothing.
var gcFlooded atomic.Bool

// gcChosen reports whether the user set GOGC.
func gcChosen() bool {
	_, set := os.LookupEnv("GOGC")
	return set
}

// StartupGC raises the collector's target until StartupDone.
func StartupGC() {
	if gcChosen() {
		return
	}
	gcTarget.Lock()
	defer gcTarget.Unlock()
	if gcTarget.starting || gcFlooded.Load() {
		return
	}
	gcTarget.starting = true
	gcTarget.before = debug.SetGCPercent(FloodGCPercent)
}

// StartupDone restores the target StartupGC raised, unless a flood has
// raised it since.
func StartupDone() {
	gcTarget.Lock()
	defer gcTarget.Unlock()
	if gcTarget.starting && !gcFlooded.Load() {
		debug.SetGCPercent(gcTarget.before)
	}
	gcTarget.starting = false
}

// floodGC raises the garbage collector's target for good.
func floodGC() {
	if gcFlooded.Load() || gcChosen() {
		return
	}
	gcTarget.Lock()
	defer gcTarget.Unlock()
	if !gcFlooded.Load() {
		gcFlooded.Store(true)
		debug.SetGCPercent(FloodGCPercent)
	}
}
