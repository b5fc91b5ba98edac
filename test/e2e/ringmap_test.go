package e2e

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRingBufferMappedOnlyForRecords: a script whose probes only update
// maps never maps the ring buffer (its 8 MiB of resident memory); a
// callback's probe does, and maps its data pages once, not twice as
// cilium/ebpf's reader did (16 MiB resident).
func TestRingBufferMappedOnlyForRecords(t *testing.T) {
	requireRoot(t)
	const ready = `probe("BEGIN", function() io.stderr:write("ready\n") end)
`
	tests := []struct {
		name   string
		script string
		mapped bool
	}{
		{"map only", `c = map.count{ key = "comm" } probe("tracepoint:syscalls:sys_enter_getppid", { into = c })`, false},
		{"callback", `probe("tracepoint:syscalls:sys_enter_getppid", function(e) end)`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startSignaled(t, nil, "ready", "-e", ready+tc.script)
			// The reader maps the ring on its own goroutine once a program
			// that sends records has loaded: it may come just after BEGIN.
			kb := largestBPFMapping(t, s.cmd.Process.Pid)
			for deadline := time.Now().Add(5 * time.Second); tc.mapped && kb < 8<<10 && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
				kb = largestBPFMapping(t, s.cmd.Process.Pid)
			}
			s.interrupt(t, syscall.SIGINT, 10*time.Second)
			if mapped := kb >= 8<<10; mapped != tc.mapped {
				t.Errorf("largest BPF map mapping %d KiB: ring buffer mapped %t, want %t", kb, mapped, tc.mapped)
			}
			if kb >= 16<<10 {
				t.Errorf("largest BPF map mapping %d KiB: the ring buffer's 8 MiB are mapped twice", kb)
			}
		})
	}
}

// largestBPFMapping is the size in KiB of pid's largest mapping of a BPF
// map.
func largestBPFMapping(t *testing.T, pid int) int {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	largest, bpf := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) > 0 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":"):
			bpf = len(fields) >= 6 && fields[5] == "anon_inode:bpf-map"
		case bpf && len(fields) >= 2 && fields[0] == "Size:":
			if kb, err := strconv.Atoi(fields[1]); err == nil && kb > largest {
				largest = kb
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return largest
}
