package recording

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/luatrace/luatrace/bpf/internal/synthetic"
)

// writeRotated records n records with opts and returns the path and the
// records.
func writeRotated(t *testing.T, n int, opts Options) (string, []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rec")
	w, err := Create(path, testHeader(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{w.AddScript(testScript), w.AddProbe(testProbe), w.AddMappings(testMappings), w.AddSymbols(testSymbols)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	recs := synthetic.Records(n, 2, 3)
	for i := 0; i < n; i += 50 {
		if err := w.WriteRecords(recs[i:min(i+50, n)]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path, recordStrings(recs)
}

func countFiles(t *testing.T, path string) int {
	t.Helper()
	names, err := filepath.Glob(path + "*")
	if err != nil {
		t.Fatal(err)
	}
	return len(names)
}

// TestRotationBySize: files stay within MaxSize; each is a complete
// recording on its own (header, script, probe, symbols, mappings before
// its records; an End naming the next file); the series reads every
// record once, in order, and the repeated material once.
func TestRotationBySize(t *testing.T) {
	const maxSize = 8 << 10
	path, all := writeRotated(t, 3000, Options{MaxSize: maxSize, FlushBytes: 2 << 10})
	files := countFiles(t, path)
	if files < 3 {
		t.Fatalf("%d files; the records should fill several of %d bytes", files, maxSize)
	}
	var id string
	for seq := 0; seq < files; seq++ {
		name := FileName(path, seq)
		if size := fileSize(t, name); size > maxSize {
			t.Errorf("%s is %d bytes, over the %d limit", name, size, maxSize)
		}
		r, err := Open(name)
		if err != nil {
			t.Fatal(err)
		}
		items := readAll(t, r)
		r.Close()
		h := r.Header()
		if seq == 0 {
			id = h.ID
		}
		if h.ID != id || h.Sequence != seq {
			t.Errorf("%s: recording %s file %d, want %s file %d", name, h.ID, h.Sequence, id, seq)
		}
		if len(items) < 5 || items[0].kind != KindScript || items[1].kind != KindProbe || items[2].kind != KindMappings || items[3].kind != KindSymbols {
			t.Errorf("%s does not start with the script, probe, mappings and symbols: %+v", name, items[:min(4, len(items))])
		}
		end := r.Ending().End
		wantNext := filepath.Base(FileName(path, seq+1))
		switch {
		case end == nil:
			t.Errorf("%s has no end item", name)
		case seq < files-1 && (end.Reason != EndRotated || end.Next != wantNext):
			t.Errorf("%s ends %+v, want rotated to %s", name, end, wantNext)
		case seq == files-1 && end.Reason != EndClosed:
			t.Errorf("last file %s ends %+v", name, end)
		case end.Events != uint64(len(records(items))):
			t.Errorf("%s: end item counts %d records, the file holds %d", name, end.Events, len(records(items)))
		}
	}
	s, err := OpenSeries(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	items := readAll(t, s)
	if got := records(items); !reflect.DeepEqual(got, all) {
		t.Errorf("series read %d records, want the %d written in order", len(got), len(all))
	}
	kinds := map[Kind]int{}
	for _, it := range items {
		kinds[it.kind]++
	}
	if kinds[KindScript] != 1 || kinds[KindProbe] != 1 || kinds[KindSymbols] != 1 || kinds[KindMappings] != 1 {
		t.Errorf("series passed on repeated material more than once: %v", kinds)
	}
	ends := s.Endings()
	if len(ends) != files || !ends[len(ends)-1].Complete() || ends[len(ends)-1].End.Reason != EndClosed {
		t.Errorf("series endings %+v for %d files", ends, files)
	}
}

// TestRotationKeepsNewest: with MaxFiles, only the newest files remain and
// the series starts at the oldest kept, reading a suffix of the records.
func TestRotationKeepsNewest(t *testing.T) {
	path, all := writeRotated(t, 3000, Options{MaxSize: 8 << 10, FlushBytes: 2 << 10, MaxFiles: 2})
	if n := countFiles(t, path); n != 2 {
		t.Fatalf("%d files, want 2", n)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the first file is still there: %v", err)
	}
	s, err := OpenSeries(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := records(readAll(t, s))
	if len(got) == 0 || len(got) >= len(all) || !reflect.DeepEqual(got, all[len(all)-len(got):]) {
		t.Errorf("read %d records, want a suffix of the %d written", len(got), len(all))
	}
	if s.Header().Sequence == 0 {
		t.Errorf("series starts at file 0, which was deleted")
	}
}

// TestRotationByAge: a file older than MaxAge is followed by a new one.
func TestRotationByAge(t *testing.T) {
	path, all := writeRotated(t, 500, Options{MaxAge: time.Nanosecond, FlushBytes: 2 << 10})
	if n := countFiles(t, path); n < 3 {
		t.Errorf("%d files; every block should open a new one", n)
	}
	s, err := OpenSeries(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := records(readAll(t, s)); !reflect.DeepEqual(got, all) {
		t.Errorf("series read %d records, want the %d written", len(got), len(all))
	}
}

// TestCreateRemovesOldRotations: a new recording replaces the rotated
// files of an old one of the same name, but nothing else.
func TestCreateRemovesOldRotations(t *testing.T) {
	path, _ := writeRotated(t, 3000, Options{MaxSize: 8 << 10, FlushBytes: 2 << 10})
	old := countFiles(t, path)
	other := FileName(path, old)
	if err := os.WriteFile(other, []byte("not a recording"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := Create(path, testHeader(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for seq := 1; seq < old; seq++ {
		if _, err := os.Stat(FileName(path, seq)); !os.IsNotExist(err) {
			t.Errorf("old %s survived: %v", FileName(path, seq), err)
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("%s, not a recording, was removed: %v", other, err)
	}
	s, err := OpenSeries(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := readAll(t, s); len(got) != 0 {
		t.Errorf("the new, empty recording reads %d items", len(got))
	}
}

// TestSeriesPassesChangedProbes: a probe id that gets a new description
// (its slot reused) is passed on again, and so are its repeats only once.
func TestSeriesPassesChangedProbes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec")
	w, err := Create(path, testHeader(t), Options{MaxAge: time.Nanosecond, FlushBytes: 256})
	if err != nil {
		t.Fatal(err)
	}
	recs := synthetic.Records(40, 1, 5)
	second := Probe{ID: 1, Spec: "tracepoint:sched:sched_switch", Target: "tracepoint:sched:sched_switch", Program: "tracepoint"}
	for i, step := range []func() error{
		func() error { return w.AddProbe(testProbe) },
		func() error { return w.WriteRecords(recs[:20]) },
		func() error { return w.AddProbe(second) },
		func() error { return w.WriteRecords(recs[20:]) },
	} {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := OpenSeries(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var specs []string
	for _, it := range readAll(t, s) {
		if p, ok := it.v.(*Probe); ok {
			specs = append(specs, p.Spec)
		}
	}
	if want := []string{testProbe.Spec, second.Spec}; !reflect.DeepEqual(specs, want) {
		t.Errorf("probe descriptions passed on: %q, want %q", specs, want)
	}
	if n := countFiles(t, path); n < 3 {
		t.Errorf("%d files, want several", n)
	}
}

// TestSeriesRejectsForeignFile: a file of another recording in the
// sequence stops the series with a sentence naming it.
func TestSeriesRejectsForeignFile(t *testing.T) {
	path, _ := writeRotated(t, 3000, Options{MaxSize: 8 << 10, FlushBytes: 2 << 10})
	otherPath, _ := writeRotated(t, 3000, Options{MaxSize: 8 << 10, FlushBytes: 2 << 10})
	b, err := os.ReadFile(FileName(otherPath, 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(FileName(path, 1), b, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := OpenSeries(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for s.Next() {
	}
	if err := s.Err(); err == nil || len(s.Endings()) != 1 {
		t.Errorf("series over a foreign file: error %v after %d files", err, len(s.Endings()))
	} else {
		t.Log(err)
	}
}

// TestRotationKeepsUserSymbols: the user symbol tables of one build-id
// each add symbols, so every file of a rotated recording repeats them
// all, and the series passes each on once.
func TestRotationKeepsUserSymbols(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec")
	w, err := Create(path, testHeader(t), Options{MaxSize: 8 << 10, FlushBytes: 2 << 10})
	if err != nil {
		t.Fatal(err)
	}
	tables := []SymbolTable{
		{Object: "/bin/busy", BuildID: "0011", Symbols: []Symbol{{Addr: 0x1100, Size: 16, Name: "main"}}},
		{Object: "/bin/busy", BuildID: "0011", Symbols: []Symbol{{Addr: 0x1200, Size: 8, Name: "spin"}}},
	}
	for _, st := range tables {
		if err := w.AddSymbols(st); err != nil {
			t.Fatal(err)
		}
	}
	recs := synthetic.Records(3000, 2, 3)
	for i := 0; i < len(recs); i += 50 {
		if err := w.WriteRecords(recs[i : i+50]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	names := func(items []item) []string {
		var out []string
		for _, it := range items {
			if st, ok := it.v.(*SymbolTable); ok {
				out = append(out, st.Symbols[0].Name)
			}
		}
		return out
	}
	want := []string{"main", "spin"}
	files := countFiles(t, path)
	if files < 2 {
		t.Fatalf("%d files; the records should fill several", files)
	}
	for seq := 0; seq < files; seq++ {
		r, err := Open(FileName(path, seq))
		if err != nil {
			t.Fatal(err)
		}
		got := names(readAll(t, r))
		r.Close()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("file %d holds the symbols %v, want %v", seq, got, want)
		}
	}
	s, err := OpenSeries(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := names(readAll(t, s)); !reflect.DeepEqual(got, want) {
		t.Errorf("series passed on the symbols %v, want %v once each", got, want)
	}
}
