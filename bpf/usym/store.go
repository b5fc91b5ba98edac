package usym

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"sync"
	"syscall"
	"time"
)

// Defaults of Config.
const (
	// DefaultRetention is how long a process's snapshot, and an image no
	// snapshot uses, are kept: long enough for events still queued in the
	// ring buffer when a short-lived process exits, and for END handlers.
	DefaultRetention = 60 * time.Second
	// DefaultMaxProcesses bounds the snapshots kept; past it the oldest
	// exited ones, then the least recently taken, are dropped.
	DefaultMaxProcesses = 4096
	// DefaultMaxIdleImages bounds the images (each an open file and its
	// parsed tables) that no kept snapshot maps.
	DefaultMaxIdleImages = 256
	// resnapshotAfter limits re-reading the maps of a running process
	// whose snapshot misses an address (a library dlopen'ed since).
	resnapshotAfter = time.Second
	// resnapshotForBuildID limits re-reading them for a build-id frame of
	// a file the snapshot does not map (taken before an exec, or a file
	// it could not open): once per frame would be a /proc read each.
	resnapshotForBuildID = 50 * time.Millisecond
)

// Config sets a Store's bounds; zero fields take the defaults.
type Config struct {
	Retention     time.Duration
	MaxProcesses  int
	MaxIdleImages int
	// DebugDirs are searched for separate debug info; default
	// [DefaultDebugDir].
	DebugDirs []string
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// Stats counts what a Store did, so limits that were hit are reported.
type Stats struct {
	Snapshots        int // process snapshots taken
	SnapshotFailures int // processes gone or unreadable when snapshotted (each counted once)
	ImagesOpened     int // distinct images opened
	ProcessesDropped int // snapshots dropped to stay under MaxProcesses
	ImagesDropped    int // idle images closed to stay under MaxIdleImages
	Expired          int // snapshots and images dropped after Retention
}

// Store keeps snapshots of processes' mappings and the images they map,
// keyed by build-id, so addresses of a process can be symbolized (and its
// stacks unwound) after it exited. Take a snapshot when a pid is first
// seen and again when it execs; call Exited when it exits. A snapshot is
// kept for Retention after Exited, an image for Retention after the last
// snapshot mapping it went, both within the Max bounds. It is safe for
// concurrent use.
type Store struct {
	cfg Config

	mu     sync.Mutex
	procs  map[int]*Process
	images map[string]*Image  // by key: build-id, else path and stat
	files  map[fileKey]*Image // by the file's identity, to skip reopening
	stats  Stats
	// failed: pids whose snapshot failed, so that a process is counted
	// once and not read again however many of its frames ask for it.
	failed map[int]bool

	vdso     *Image // see vdso.go; not in images, never expires
	vdsoDone bool

	// recorded: processes are known only through Install (a replay: the
	// recorded processes are gone, their pids may be someone else's), so
	// /proc is never read. See recorded.go.
	recorded bool
	// used notes the symbols frames were resolved with (TrackSymbols).
	used *usedSymbols
}

// fileKey identifies a file's contents cheaply: same device, inode, size
// and modification time.
type fileKey struct {
	dev, ino     uint64
	size         int64
	mtime, ctime int64
}

// NewStore returns an empty Store.
func NewStore(cfg Config) *Store {
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.MaxProcesses <= 0 {
		cfg.MaxProcesses = DefaultMaxProcesses
	}
	if cfg.MaxIdleImages <= 0 {
		cfg.MaxIdleImages = DefaultMaxIdleImages
	}
	if cfg.DebugDirs == nil {
		cfg.DebugDirs = []string{DefaultDebugDir}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Store{cfg: cfg, procs: map[int]*Process{}, images: map[string]*Image{}, files: map[fileKey]*Image{}, failed: map[int]bool{}}
}

// Snapshot reads the executable mappings of process pid now and keeps
// them in place of any earlier snapshot of pid. Files already known cost
// one stat each; a new file is opened (through /proc/PID/map_files, so
// deleted files and other mount namespaces work) and its build-id read.
// Symbols and unwind tables are loaded only when first needed.
func (s *Store) Snapshot(pid int) (*Process, error) {
	if s.isRecorded() {
		return nil, fmt.Errorf("process %d is not in the recording", pid)
	}
	start, err := processStartTime(pid)
	if err == nil {
		var entries []mapsEntry
		entries, err = readMapsFile(pid)
		if err == nil {
			s.mu.Lock()
			delete(s.failed, pid)
			s.mu.Unlock()
			return s.snapshot(pid, start, entries), nil
		}
	}
	s.mu.Lock()
	if !s.failed[pid] {
		s.failed[pid] = true
		s.stats.SnapshotFailures++
	}
	s.mu.Unlock()
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
		return nil, fmt.Errorf("cannot snapshot process %d: it has exited", pid)
	}
	return nil, fmt.Errorf("cannot snapshot process %d: %v", pid, unwrapPath(err))
}

func (s *Store) snapshot(pid int, start uint64, entries []mapsEntry) *Process {
	now := s.cfg.Now()
	p := &Process{PID: pid, StartTime: start, Taken: now}
	root := fmt.Sprintf("/proc/%d/root", pid)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range entries {
		m := Mapping{Start: e.start, End: e.end, Offset: e.offset, Path: e.path}
		m.Image = s.imageFor(pid, root, e)
		if m.Image != nil {
			m.Image.refs++
		}
		p.Mappings = append(p.Mappings, m)
	}
	sort.Slice(p.Mappings, func(i, j int) bool { return p.Mappings[i].Start < p.Mappings[j].Start })
	s.stats.Snapshots++
	if old := s.procs[pid]; old != nil {
		s.release(old, now)
	}
	s.procs[pid] = p
	s.expireLocked(now)
	return p
}

// imageFor finds or opens the image behind one maps entry (s.mu held).
func (s *Store) imageFor(pid int, root string, e mapsEntry) *Image {
	if e.path == vdsoName {
		return s.vdsoImage()
	}
	if s.recorded {
		return s.recordedImage(e)
	}
	link := fmt.Sprintf("/proc/%d/map_files/%x-%x", pid, e.start, e.end)
	// map_files needs CAP_SYS_ADMIN (or CAP_CHECKPOINT_RESTORE).
	return s.openImage(e.path, root, link, root+e.path)
}

// openImage finds or opens the image of the file mapped as path by a
// process whose root is root, through the first of vias that exists
// (s.mu held).
func (s *Store) openImage(path, root string, vias ...string) *Image {
	var via string
	var st fs.FileInfo
	var err error
	for _, via = range vias {
		if st, err = os.Stat(via); err == nil {
			break
		}
	}
	if err != nil {
		return nil
	}
	key, ok := keyOf(st)
	if ok {
		if img := s.files[key]; img != nil {
			return img
		}
	}
	f, err := os.Open(via)
	if err != nil {
		return nil
	}
	img, err := newImage(f, f, path, root)
	if err != nil {
		f.Close()
		return nil
	}
	img.debugDirs = s.cfg.DebugDirs
	s.noting(img)
	img.key = string(img.BuildID)
	if img.key == "" {
		img.key = fmt.Sprintf("%s@%x", path, key)
	}
	if known := s.images[img.key]; known != nil {
		// The same build-id through another path or mount namespace.
		img.Close()
		img = known
	} else {
		s.images[img.key] = img
		s.stats.ImagesOpened++
	}
	if ok {
		s.files[key] = img
	}
	return img
}

func keyOf(st fs.FileInfo) (fileKey, bool) {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return fileKey{}, false
	}
	return fileKey{dev: sys.Dev, ino: sys.Ino, size: sys.Size, mtime: sys.Mtim.Nano(), ctime: sys.Ctim.Nano()}, true
}

// Process returns the snapshot of pid, taking one if there is none; nil
// when there is none and the process is gone.
func (s *Store) Process(pid int) *Process {
	s.mu.Lock()
	p, recorded, failed := s.procs[pid], s.recorded, s.failed[pid]
	s.mu.Unlock()
	// A pid whose snapshot failed is not read again for every frame that
	// asks: only an announcement (Snapshot) tries it again.
	if p != nil || recorded || failed {
		return p
	}
	p, _ = s.Snapshot(pid)
	return p
}

// Exited tells the store that pid exited: its snapshot is kept for
// Retention from now, then dropped.
func (s *Store) Exited(pid int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.procs[pid]; p != nil && p.exited.IsZero() {
		p.exited = s.cfg.Now()
	}
}

// Resolve symbolizes addr in process pid: from its snapshot (taken now if
// there is none), refreshed when the address is outside every mapping and
// the same process still runs (it may have loaded a library since).
func (s *Store) Resolve(pid int, addr uint64) Frame {
	p := s.Process(pid)
	if p == nil {
		return Frame{Addr: addr}
	}
	if p.Find(addr) == nil {
		p = s.refresh(p)
	}
	return p.Resolve(addr)
}

// refresh re-snapshots p if it still runs as the same process and its
// snapshot is older than resnapshotAfter.
func (s *Store) refresh(p *Process) *Process {
	s.mu.Lock()
	stale := !s.recorded && p.exited.IsZero() && s.cfg.Now().Sub(p.Taken) >= resnapshotAfter
	s.mu.Unlock()
	if !stale {
		return p
	}
	if start, err := processStartTime(p.PID); err != nil || start != p.StartTime {
		return p
	}
	if np, err := s.Snapshot(p.PID); err == nil {
		return np
	}
	return p
}

// ResolveBuildID symbolizes a frame the kernel gave as build-id and file
// offset (BPF_F_USER_BUILD_ID): through an image of that build-id some
// snapshot opened, else through its separate debug file, which keeps the
// symbols and segment addresses of the original but not its file offsets
// (see debugOnlyLoads).
func (s *Store) ResolveBuildID(fr BuildIDFrame) Frame {
	f := Frame{Addr: fr.Offset, BuildID: fr.BuildID}
	if fr.BuildID == "" {
		f.Addr = fr.Addr
		return f
	}
	img := s.imageByBuildID(fr.BuildID)
	if img == nil {
		return f
	}
	f.Module = img.Path
	if vaddr, ok := img.VAddr(fr.Offset); ok {
		img.symbolize(&f, vaddr, vaddr)
	}
	return f
}

// ResolveBuildIDOf symbolizes a build-id frame of process pid: as
// ResolveBuildID, and when no file of that build-id is open, through pid's
// mappings: its snapshot (taken now if there is none), or a new one if
// that snapshot maps no file of that build-id and the same process still
// runs (it had not mapped it yet: a library loaded, or the program exec'd
// since), at most every resnapshotForBuildID.
func (s *Store) ResolveBuildIDOf(pid int, fr BuildIDFrame) Frame {
	f := s.ResolveBuildID(fr)
	if f.Module != "" || fr.BuildID == "" {
		return f
	}
	p := s.Process(pid)
	if p == nil {
		return f
	}
	s.mu.Lock()
	mapped := p.maps(fr.BuildID)
	stale := !s.recorded && p.exited.IsZero() && !mapped && s.cfg.Now().Sub(p.Taken) >= resnapshotForBuildID
	s.mu.Unlock()
	if mapped {
		// Taken just now by Process: its images are open.
		return s.ResolveBuildID(fr)
	}
	if !stale {
		return f
	}
	if start, err := processStartTime(pid); err != nil || start != p.StartTime {
		return f
	}
	if _, err := s.Snapshot(pid); err != nil {
		return f
	}
	return s.ResolveBuildID(fr)
}

// maps reports whether the snapshot maps a file of build-id id.
func (p *Process) maps(id BuildID) bool {
	for _, m := range p.Mappings {
		if m.Image != nil && m.Image.BuildID == id {
			return true
		}
	}
	return false
}

// imageByBuildID returns the image of that build-id, opening its debug
// file as a stand-in when no snapshot mapped it.
func (s *Store) imageByBuildID(id BuildID) *Image {
	s.mu.Lock()
	defer s.mu.Unlock()
	if img := s.images[string(id)]; img != nil {
		return img
	}
	if v := s.vdsoImage(); v != nil && v.BuildID == id {
		return v
	}
	if len(id) <= 2 {
		return nil
	}
	for _, dir := range s.cfg.DebugDirs {
		p := fmt.Sprintf("%s/.build-id/%s/%s.debug", dir, id[:2], id[2:])
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		img, err := newImage(f, f, p, "")
		if err != nil || img.BuildID != id {
			f.Close()
			continue
		}
		img.key, img.debugDirs, img.debugDone = string(id), s.cfg.DebugDirs, true
		s.noting(img)
		img.idleFrom = s.cfg.Now()
		s.images[img.key] = img
		s.stats.ImagesOpened++
		s.expireLocked(img.idleFrom)
		return img
	}
	return nil
}

// Stats returns the counters so far.
func (s *Store) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Close releases every image; the Store must not be used afterwards.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, img := range s.images {
		errs = append(errs, img.Close())
	}
	clear(s.images)
	clear(s.files)
	clear(s.procs)
	return errors.Join(errs...)
}

// Expire drops what outlived Retention now; Snapshot does it too.
func (s *Store) Expire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked(s.cfg.Now())
}

func (s *Store) expireLocked(now time.Time) {
	for pid, p := range s.procs {
		if !p.exited.IsZero() && now.Sub(p.exited) >= s.cfg.Retention {
			delete(s.procs, pid)
			s.release(p, now)
			s.stats.Expired++
		}
	}
	if len(s.procs) > s.cfg.MaxProcesses {
		s.dropProcesses(now)
	}
	var idle []*Image
	for key, img := range s.images {
		// A replay's stand-in (recordedsyms.go) holds symbols the
		// recording writes once: dropped, they would not come back.
		if img.refs > 0 || img.elf == nil {
			continue
		}
		if now.Sub(img.idleFrom) >= s.cfg.Retention {
			s.dropImage(key, img)
			s.stats.Expired++
			continue
		}
		idle = append(idle, img)
	}
	if len(idle) > s.cfg.MaxIdleImages {
		sort.Slice(idle, func(i, j int) bool { return idle[i].idleFrom.Before(idle[j].idleFrom) })
		for _, img := range idle[:len(idle)-s.cfg.MaxIdleImages] {
			s.dropImage(img.key, img)
			s.stats.ImagesDropped++
		}
	}
}

// dropProcesses drops snapshots down to MaxProcesses: exited ones first
// (longest exited first), then the least recently taken.
func (s *Store) dropProcesses(now time.Time) {
	ps := make([]*Process, 0, len(s.procs))
	for _, p := range s.procs {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool {
		ei, ej := !ps[i].exited.IsZero(), !ps[j].exited.IsZero()
		if ei != ej {
			return ei
		}
		if ei {
			return ps[i].exited.Before(ps[j].exited)
		}
		return ps[i].Taken.Before(ps[j].Taken)
	})
	for _, p := range ps[:len(ps)-s.cfg.MaxProcesses] {
		delete(s.procs, p.PID)
		s.release(p, now)
		s.stats.ProcessesDropped++
	}
}

// release drops a snapshot's references to its images.
func (s *Store) release(p *Process, now time.Time) {
	for _, m := range p.Mappings {
		if m.Image != nil {
			m.Image.refs--
			if m.Image.refs == 0 {
				m.Image.idleFrom = now
			}
		}
	}
}

func (s *Store) dropImage(key string, img *Image) {
	delete(s.images, key)
	for k, v := range s.files {
		if v == img {
			delete(s.files, k)
		}
	}
	img.Close()
}

// Reap marks exited the snapshots whose process is gone (or whose pid now
// belongs to another process), so that they expire Retention later, then
// expires what is due. It reads one /proc/PID/stat per running snapshot:
// call it now and then (luatrace does once a second), not per event.
func (s *Store) Reap() {
	s.mu.Lock()
	if s.recorded {
		s.mu.Unlock()
		return // recorded processes do not run here
	}
	running := make([]*Process, 0, len(s.procs))
	for _, p := range s.procs {
		if p.exited.IsZero() {
			running = append(running, p)
		}
	}
	s.mu.Unlock()
	var gone []*Process
	for _, p := range running {
		if start, err := processStartTime(p.PID); err != nil || start != p.StartTime {
			gone = append(gone, p)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	for _, p := range gone {
		if p.exited.IsZero() {
			p.exited = now
		}
	}
	s.expireLocked(now)
}
