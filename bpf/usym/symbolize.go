package usym

// Symbolizer resolves user addresses of processes for callers that know
// only a pid and an address (the usym() global, bpf_get_stack stacks):
// a Store with the default bounds, snapshotting a pid on first use.
type Symbolizer struct {
	store *Store
}

// NewSymbolizer returns an empty Symbolizer.
func NewSymbolizer() *Symbolizer {
	return &Symbolizer{store: NewStore(Config{})}
}

// Store returns the Symbolizer's Store, so the event path can snapshot
// pids when they are first seen and mark them exited.
func (s *Symbolizer) Store() *Store { return s.store }

// Resolve symbolizes addr in process pid.
func (s *Symbolizer) Resolve(pid int, addr uint64) Frame {
	return s.store.Resolve(pid, addr)
}
