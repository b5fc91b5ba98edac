package kernel

import (
	"os"
	"runtime"
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
// A GOGC in the environment is the user's choice and is kept.
const FloodGCPercent = 400

// StartupGCPercent is the collector's target until the script's main
// chunk and BEGIN have run, or until the first collection: the heap's
// minimum goes from 4 MB to 16 MB. A script with a probe or two allocates
// about 3 MB before it runs, most of it live to the end (the Lua state,
// the collector's specs), and the collection Go's minimum caused then
// cost 15 to 30 ms of CPU, a fifth of its start. A main chunk that
// allocates more is collected at Go's target from the first collection
// on, so a long one (attaching in a loop) keeps its memory flat.
const StartupGCPercent = 400

// gcStartup is startup's raise of the collector's target.
type gcStartup struct {
	sync.Mutex
	starting bool   // StartupGC raised it; StartupDone restores before
	before   int    // the target StartupGC replaced
	round    uint64 // StartupGC's calls: a collection ends only its own
}

// gcTarget is startup's raise; floods raise it for good (gcFlooded).
var gcTarget gcStartup

// startupCollected, if set (by tests), is told the round of each
// startup cleanup that ran.
var startupCollected chan<- uint64

// gcFlooded is set once floodGC has raised the target for good; reading
// it costs a full batch nothing.
var gcFlooded atomic.Bool

// gcChosen reports whether the user set GOGC.
func gcChosen() bool {
	_, set := os.LookupEnv("GOGC")
	return set
}

// StartupGC raises the collector's target until StartupDone or the
// first collection, whichever comes first.
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
	gcTarget.before = debug.SetGCPercent(StartupGCPercent)
	gcTarget.round++
	// Unreachable at once: the next collection finds it and runs the
	// cleanup. Big enough not to share a tiny-allocation block.
	runtime.AddCleanup(new([64]byte), startupCollection, collection{gcTarget.round, startupCollected})
}

// collection is the cleanup's argument: which raise it ends, and whom
// to tell.
type collection struct {
	round uint64
	tell  chan<- uint64
}

// startupCollection ends a raise of startup's: a collection came first.
func startupCollection(c collection) {
	gcTarget.Lock()
	if c.round == gcTarget.round {
		gcTarget.restore()
	}
	gcTarget.Unlock()
	if c.tell != nil {
		c.tell <- c.round
	}
}

// StartupDone restores the target StartupGC raised, unless a flood has
// raised it since. Only the first call after StartupGC does.
func StartupDone() {
	gcTarget.Lock()
	defer gcTarget.Unlock()
	gcTarget.restore()
}

// restore ends startup's raise; callers hold gcTarget.
func (t *gcStartup) restore() {
	if t.starting && !gcFlooded.Load() {
		debug.SetGCPercent(t.before)
	}
	t.starting = false
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
