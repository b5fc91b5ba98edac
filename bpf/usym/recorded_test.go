package usym

import (
	"os"
	"testing"
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
