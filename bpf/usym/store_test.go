package usym

import (
	"bufio"
	"os/exec"
	"testing"
	"time"
)

// TestStoreKeepsExitedProcesses: a snapshot still symbolizes after its
// process exited; Reap marks it exited, and it expires Retention later.
func TestStoreKeepsExitedProcesses(t *testing.T) {
	// cat echoing a line is past its exec: Start returns while the kernel
	// may still be mapping the new image.
	cmd := exec.Command("cat")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if _, err := in.Write([]byte("up\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	now := time.Unix(1000, 0)
	s := NewStore(Config{Now: func() time.Time { return now }})
	defer s.Close()
	p, err := s.Snapshot(pid)
	if err != nil {
		t.Fatal(err)
	}
	var addr uint64
	for _, m := range p.Mappings {
		if m.Image != nil && m.Path != "[vdso]" {
			addr = m.Start
			break
		}
	}
	if addr == 0 {
		t.Fatalf("no file mapping in %+v", p.Mappings)
	}
	want := s.Resolve(pid, addr).Module
	cmd.Process.Kill()
	cmd.Wait()

	s.Reap()
	if got := s.Resolve(pid, addr).Module; got != want || got == "" {
		t.Errorf("after exit, %#x resolves in %q, want %q", addr, got, want)
	}
	now = now.Add(DefaultRetention)
	s.Reap()
	if st := s.Stats(); st.Expired == 0 || s.Process(pid) != nil {
		t.Errorf("snapshot of the exited process kept past the retention: %+v", st)
	}
}
