package usym

// RecordedMapping is an executable mapping of a process as a recording
// keeps it: where it was, and the path and build-id of the file.
type RecordedMapping struct {
	Start, End uint64 // [Start, End)
	Offset     uint64 // file offset of Start
	Path       string
	// BuildID is the file's GNU build-id: a file at Path with another
	// build-id is a different binary, and its symbols are not used.
	BuildID BuildID
}

// UseRecordedProcesses makes the Store know processes only through
// Install, never reading /proc: a replay's processes are not this
// machine's, and their pids may be someone else's.
func (s *Store) UseRecordedProcesses() {
	s.mu.Lock()
	s.recorded = true
	s.mu.Unlock()
}

func (s *Store) isRecorded() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recorded
}

// Install makes maps the snapshot of process pid in a Store that uses
// recorded processes (replacing any earlier one: the process exec'd). Files are opened by path on this machine, and
// only when their build-id is the recorded one (any file at a path whose
// build-id was not recorded); images already open for a build-id are
// shared.
func (s *Store) Install(pid int, maps []RecordedMapping) *Process {
	entries := make([]mapsEntry, len(maps))
	for i, m := range maps {
		entries[i] = mapsEntry{start: m.Start, end: m.End, offset: m.Offset, path: m.Path, buildID: m.BuildID}
	}
	return s.snapshot(pid, 0, entries)
}

// recordedImage finds or opens the image of a recorded mapping: the file
// at its path, if it has the recorded build-id, else a stand-in serving
// the symbols the recording carries for that build-id (recordedsyms.go)
// (s.mu held).
func (s *Store) recordedImage(e mapsEntry) *Image {
	if e.buildID != "" {
		if img := s.images[string(e.buildID)]; img != nil {
			return img
		}
	}
	img := s.openImage(e.path, "", e.path)
	if img != nil && (e.buildID == "" || img.BuildID == e.buildID) {
		return img
	}
	if e.buildID != "" {
		return s.recordedStandIn(e.path, e.buildID)
	}
	return nil
}
