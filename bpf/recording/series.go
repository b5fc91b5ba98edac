package recording

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/luatrace/luatrace/bpf/collector"
)

// Series reads all files of a rotated recording in order, FILE then
// FILE.1, FILE.2, ... (starting at the oldest one kept), as one stream:
// the material each file repeats (script, probes, symbols, mappings) is
// passed on once, unless it changed.
type Series struct {
	path   string
	seq    int
	cur    *Reader
	header Header
	seen   map[string]string // sticky key -> body last passed on
	ends   []FileEnding
	err    error
}

// FileEnding is how one file of a series ended.
type FileEnding struct {
	Name string
	Ending
}

// OpenSeries opens the recording at path and the files rotated from it.
// When path itself was deleted (MaxFiles), reading starts at the oldest
// path.N kept.
func OpenSeries(path string) (*Series, error) {
	seq, err := firstSequence(path)
	if err != nil {
		return nil, err
	}
	r, err := Open(FileName(path, seq))
	if err != nil {
		return nil, err
	}
	if h := r.Header(); h.Sequence != seq {
		r.Close()
		return nil, fmt.Errorf("%s holds file %d of its recording, not file %d", FileName(path, seq), h.Sequence, seq)
	}
	return &Series{path: path, seq: seq, cur: r, header: r.Header(), seen: map[string]string{}}, nil
}

// firstSequence finds the oldest file of the recording at path.
func firstSequence(path string) (int, error) {
	if _, err := os.Stat(path); err == nil {
		return 0, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("open recording: %w", err)
	}
	names, err := filepath.Glob(globEscape(path) + ".*")
	if err != nil {
		return 0, fmt.Errorf("list recording files: %w", err)
	}
	first := -1
	for _, n := range names {
		seq, err := strconv.Atoi(strings.TrimPrefix(n, path+"."))
		if err == nil && seq > 0 && (first < 0 || seq < first) {
			first = seq
		}
	}
	if first < 0 {
		return 0, fmt.Errorf("open recording: %w", &os.PathError{Op: "open", Path: path, Err: os.ErrNotExist})
	}
	return first, nil
}

func globEscape(p string) string {
	r := strings.NewReplacer(`*`, `\*`, `?`, `\?`, `[`, `\[`, `\`, `\\`)
	return r.Replace(p)
}

// Header is the first file's recording header.
func (s *Series) Header() Header { return s.header }

// Next moves to the next record or item, across files; false at the end
// (see Err and Endings).
func (s *Series) Next() bool {
	for s.cur != nil {
		for s.cur.Next() {
			if s.repeated() {
				continue
			}
			return true
		}
		if !s.closeFile() {
			return false
		}
	}
	return false
}

// repeated reports whether the current item is sticky material passed on
// already, unchanged.
func (s *Series) repeated() bool {
	if s.cur.Kind() == KindEvents || s.cur.Kind() == KindDrops {
		return false
	}
	key := stickyKey(s.cur.Item())
	if key == "" {
		return false
	}
	if s.seen[key] == string(s.cur.Body()) {
		return true
	}
	s.seen[key] = string(s.cur.Body())
	return false
}

// closeFile records how the current file ended and opens the next one;
// false when the series is over.
func (s *Series) closeFile() bool {
	r := s.cur
	s.cur = nil
	name := FileName(s.path, s.seq)
	s.ends = append(s.ends, FileEnding{Name: name, Ending: r.Ending()})
	r.Close()
	if err := r.Err(); err != nil {
		s.err = fmt.Errorf("%s: %w", name, err)
		return false
	}
	end := r.Ending().End
	if end == nil || end.Reason != EndRotated {
		return false
	}
	s.seq++
	next, err := Open(FileName(s.path, s.seq))
	if err != nil {
		s.err = fmt.Errorf("recording goes on in %s: %w", end.Next, err)
		return false
	}
	if h := next.Header(); h.ID != s.header.ID || h.Sequence != s.seq {
		next.Close()
		s.err = fmt.Errorf("%s belongs to another recording (id %s, file %d), not to %s's", FileName(s.path, s.seq), h.ID, h.Sequence, s.path)
		return false
	}
	s.cur = next
	return true
}

// Kind, Record, Item and Body are the current item's, as Reader's.
func (s *Series) Kind() Kind { return s.cur.Kind() }

// Record is the current record (Kind KindEvents).
func (s *Series) Record() collector.Record { return s.cur.Record() }

// Item is the current metadata item decoded (see Reader.Item).
func (s *Series) Item() any { return s.cur.Item() }

// Body is the current item's raw body.
func (s *Series) Body() []byte { return s.cur.Body() }

// Err is the error that stopped reading, if any.
func (s *Series) Err() error { return s.err }

// Endings are how the files read so far ended, in order; the last one
// says whether the recording was closed or cut short.
func (s *Series) Endings() []FileEnding { return s.ends }

// Close releases the file being read.
func (s *Series) Close() error {
	if s.cur != nil {
		return s.cur.Close()
	}
	return nil
}
