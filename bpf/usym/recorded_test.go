package usym

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestRecordedProcesses: a Store of recorded processes symbolizes through
// the installed mappings, opens a file only when its build-id is the
// recorded one, and never reads /proc.
func TestRecordedProcesses(t *testing.T) {
	exe := cProgram(t)
	id, err := ReadBuildID(exe)
	if err != nil || id == "" {
		t.Fatalf("ReadBuildID(%s) = %q, %v; want the build-id gcc writes", exe, id, err)
	}
	sym, err := LookupFunc(exe, "lt_add")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := OpenImage(f, exe)
	if err != nil {
		t.Fatal(err)
	}
	off, ok := img.FileOffset(sym.Value)
	if !ok {
		t.Fatalf("lt_add at %#x is outside %s's segments", sym.Value, exe)
	}
	const base = 0x400000
	tests := []struct {
		name    string
		buildID BuildID
		wantSym string
	}{
		{"recorded build-id", id, "lt_add"},
		{"no build-id recorded", "", "lt_add"},
		{"another binary at the path", "00112233", ""},
	}
	for pid, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewStore(Config{})
			defer s.Close()
			s.UseRecordedProcesses()
			s.Install(pid+1, []RecordedMapping{{Start: base, End: base + 1<<20, Path: exe, BuildID: tt.buildID}})
			got := s.Resolve(pid+1, base+off)
			if got.Sym != tt.wantSym || got.Module != exe {
				t.Errorf("Resolve = %+v, want %q in %s", got, tt.wantSym, exe)
			}
		})
	}

	s := NewStore(Config{})
	defer s.Close()
	s.UseRecordedProcesses()
	if p := s.Process(os.Getpid()); p != nil {
		t.Errorf("a process not in the recording was read from /proc: %+v", p)
	}
	if _, err := s.Snapshot(os.Getpid()); err == nil {
		t.Error("Snapshot of a process not in the recording succeeded")
	}
	if st := s.Stats(); st.Snapshots != 0 || st.SnapshotFailures != 0 {
		t.Errorf("stats %+v, want no snapshots tried", st)
	}
}

// TestRecordedSymbols: the symbols a recording Store noted serve a replay
// Store where the file is gone, whether they arrive before or after the
// mappings, and the file itself is used while it is there.
func TestRecordedSymbols(t *testing.T) {
	exe := cProgram(t)
	sym, err := LookupFunc(exe, "lt_add")
	if err != nil {
		t.Fatal(err)
	}
	const base, pid = 0x400000, 7
	live := NewStore(Config{})
	defer live.Close()
	live.TrackSymbols()
	live.UseRecordedProcesses() // a snapshot without a live process
	p := live.Install(pid, []RecordedMapping{{Start: base, End: base + 1<<20, Path: exe}})
	off, ok := p.Mappings[0].Image.FileOffset(sym.Value)
	if !ok {
		t.Fatalf("lt_add at %#x is outside %s's segments", sym.Value, exe)
	}
	addr := base + off + 1
	if f := live.Resolve(pid, addr); f.Sym != "lt_add" {
		t.Fatalf("live Resolve = %+v, want lt_add", f)
	}
	live.Resolve(pid, addr+1) // the same symbol: noted once
	objs := live.TakeSymbols()
	if len(objs) != 1 || len(objs[0].Symbols) != 1 || objs[0].Symbols[0].Name != "lt_add" || len(objs[0].Segments) == 0 {
		t.Fatalf("TakeSymbols = %+v, want lt_add of %s once, with segments", objs, exe)
	}
	if again := live.TakeSymbols(); len(again) != 0 {
		t.Errorf("second TakeSymbols = %+v, want nothing new", again)
	}
	id := objs[0].BuildID
	// A copy without its symbol table (and no debug file): the recorded
	// symbols name its frames.
	stripped := filepath.Join(t.TempDir(), "stripped")
	if out, err := exec.Command("strip", "--strip-all", "-o", stripped, exe).CombinedOutput(); err != nil {
		t.Fatalf("strip: %v\n%s", err, out)
	}
	gone := objs[0]
	gone.Path = t.TempDir() + "/deleted"
	mapping := []RecordedMapping{{Start: base, End: base + 1<<20, Path: gone.Path, BuildID: id}}

	tests := []struct {
		name               string
		symbolsFirst, idle bool // idle: past retention between the two
		path, wantMod      string
	}{
		{"symbols after mappings", false, false, gone.Path, gone.Path},
		{"symbols before mappings", true, false, gone.Path, gone.Path},
		{"symbols before mappings, idle past retention", true, true, gone.Path, gone.Path},
		{"file still there", false, false, exe, exe},
		{"file there without its symbols", false, false, stripped, stripped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Unix(1000, 0)
			s := NewStore(Config{Now: func() time.Time { return now }, DebugDirs: []string{t.TempDir()}})
			defer s.Close()
			s.UseRecordedProcesses()
			o := gone
			o.Path = tt.path
			m := mapping
			m[0].Path = tt.path
			if tt.symbolsFirst {
				s.AddRecordedSymbols(o)
			}
			if tt.idle {
				now = now.Add(2 * DefaultRetention) // no snapshot maps the stand-in yet
				s.Expire()
			}
			s.Install(pid, m)
			if !tt.symbolsFirst {
				s.AddRecordedSymbols(o)
			}
			f := s.Resolve(pid, addr)
			if f.Sym != "lt_add" || f.Offset != 1 || f.Module != tt.wantMod || f.BuildID != id {
				t.Errorf("Resolve = %+v, want lt_add+1 in %s", f, tt.wantMod)
			}
			if f := s.Resolve(pid, base+1<<20-1); f.Sym != "" {
				t.Errorf("an address no recorded symbol covers resolved to %+v", f)
			}
		})
	}
}
