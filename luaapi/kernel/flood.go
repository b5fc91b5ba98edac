package kernel

import (
	"os"
	"runtime/debug"
	"sync"
)

// FloodGCPercent is the garbage collector's target once events flood in
// (a batch comes out of the ring buffer full): the heap may grow to five
// times what is live instead of twice. A flood's garbage is short-lived
// (records, event userdata, Lua numbers) over a small live heap, so at
// Go's default the collector ran and returned pages to the kernel so often
// that it took half of the reader's and callbacks' CPU time (measured: 950
// ns of CPU per event at GOGC=100, 550 at 400, with a Lua callback). A GOGC
// in the environment is the user's choice and is kept.
const FloodGCPercent = 400

// floodGC raises the garbage collector's target, once per process.
var floodGC = sync.OnceFunc(func() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(FloodGCPercent)
	}
})
