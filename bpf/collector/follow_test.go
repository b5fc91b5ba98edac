package collector

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// execsUnder runs /bin/true as a child of this process while
// syscalls:sys_enter_execve is traced with spec, and returns the child's
// pid and the pids of the records, by count.
func execsUnder(t *testing.T, c *Collector, spec Spec) (int, map[uint32]int) {
	t.Helper()
	var child int
	traceSyscall(t, c, spec, "sys_enter_execve", func() {
		cmd := exec.Command("/bin/true")
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		child = cmd.Process.Pid
	})
	pids := map[uint32]int{}
	readAll(t, c, func(b []Record) bool {
		for _, r := range b {
			if err := r.Check(); err != nil {
				t.Fatal(err)
			}
			pids[r.PID()]++
		}
		return true
	})
	return child, pids
}

// TestFollowKeepsChildren: with Follow, the pid filter keeps a process
// forked after Follow (its execve is its first system call, so nothing
// of it comes before its entry); without, only the process itself; other
// processes never.
func TestFollowKeepsChildren(t *testing.T) {
	for _, follow := range []bool{true, false} {
		t.Run(map[bool]string{true: "follow", false: "no-follow"}[follow], func(t *testing.T) {
			c := loadForTest(t)
			self := uint32(os.Getpid())
			if follow {
				if err := c.Follow(self, false); err != nil {
					t.Fatal(err)
				}
			}
			child, pids := execsUnder(t, c, Spec{Emit: true, PID: self, Follow: follow})
			want := map[uint32]int{}
			if follow {
				want[uint32(child)] = 1
			}
			if len(pids) != len(want) || pids[uint32(child)] != want[uint32(child)] {
				t.Errorf("records by pid %v, want %v (the child is %d)", pids, want, child)
			}
			if follow {
				waitUntracked(t, c, uint32(child))
			}
		})
	}
}

// waitUntracked fails unless pid leaves the traced set within 10 s: the
// kernel frees a reaped task after an RCU grace period.
func waitUntracked(t *testing.T, c *Collector, pid uint32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		var start uint64
		err := c.tracedTgids.Lookup(pid, &start)
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("process %d was reaped but is still in the traced set", pid)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestFollowFullSetCounts: a fork that finds the set full is left out
// and counted, not silently lost.
func TestFollowFullSetCounts(t *testing.T) {
	c := loadForTest(t)
	self := uint32(os.Getpid())
	if err := c.Follow(self, false); err != nil {
		t.Fatal(err)
	}
	// Fill the set with tgids above any pid_max (1 << 22), so no real
	// process matches them.
	// (The test process's threads are in it already.)
	for i := 1; ; i++ {
		if err := c.track(1<<22+uint32(i), 0); errors.Is(err, unix.E2BIG) {
			break
		} else if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	child, pids := execsUnder(t, c, Spec{Emit: true, PID: self, Follow: true})
	if len(pids) != 0 {
		t.Errorf("records by pid %v, want none (the child %d did not fit)", pids, child)
	}
	if n, err := c.Untraced(); err != nil || n != 1 {
		t.Errorf("Untraced() = %d, %v; want 1", n, err)
	}
}

// TestFollowRunningDescendants: Follow with running tracks the
// descendants that exist already, grandchildren included.
func TestFollowRunningDescendants(t *testing.T) {
	c := loadForTest(t)
	// sh (root) waits for a second sh (child), which waits for a sleep
	// (grandchild).
	cmd := exec.Command("/bin/sh", "-c", "sh -c 'sleep 1000; :' & wait")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	root := uint32(cmd.Process.Pid)
	var child, grandchild uint32
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for grandchild == 0 {
		select {
		case <-ctx.Done():
			t.Fatalf("the processes under %d did not appear", root)
		case <-time.After(10 * time.Millisecond):
		}
		child = childByStat(t, root)
		if child != 0 {
			grandchild = childByStat(t, child)
		}
	}
	if err := c.Follow(root, true); err != nil {
		t.Fatal(err)
	}
	for _, pid := range []uint32{root, child, grandchild} {
		var start uint64
		if err := c.tracedTgids.Lookup(pid, &start); err != nil {
			t.Errorf("process %d (of %d, %d, %d) is not tracked: %v", pid, root, child, grandchild, err)
		}
	}
}

// childByStat finds a child of ppid by the parent field of
// /proc/PID/stat, independently of childrenOf; 0 if none.
func childByStat(t *testing.T, ppid uint32) uint32 {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // exited
		}
		// pid (comm) state ppid ...: comm may hold spaces, ")" ends it.
		fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(int(ppid)) {
			pid, _ := strconv.Atoi(strings.Fields(string(b))[0])
			return uint32(pid)
		}
	}
	return 0
}

// TestFollowTracksThreads: Follow tracks root's threads by id, those that
// run already and one started after, and forgets a thread once it is
// freed, so that Spec.Task filters find the threads a tracepoint names.
func TestFollowTracksThreads(t *testing.T) {
	c := loadForTest(t)
	self := uint32(os.Getpid())
	if err := c.Follow(self, false); err != nil {
		t.Fatal(err)
	}
	var before []uint32
	tasks, _ := os.ReadDir("/proc/self/task")
	for _, task := range tasks {
		if tid, _ := strconv.Atoi(task.Name()); uint32(tid) != self {
			before = append(before, uint32(tid))
		}
	}
	if len(before) == 0 {
		t.Fatal("the test process has no thread but its main one")
	}
	var start uint64
	for _, tid := range before {
		if err := c.tracedTgids.Lookup(tid, &start); err != nil {
			t.Errorf("thread %d, running before Follow, is not tracked: %v", tid, err)
		}
	}
	// Threads started now: goroutines that hold their threads outnumber
	// the idle threads the runtime had, so some threads are new; a
	// goroutine that exits locked ends its thread.
	const n = 16
	tids, done := make(chan uint32, n), make(chan struct{})
	for i := 0; i < n; i++ {
		go func() {
			runtime.LockOSThread()
			tids <- uint32(unix.Gettid())
			<-done
		}()
	}
	var tid uint32
	for i := 0; i < n; i++ {
		id := <-tids
		if !slices.Contains(before, id) {
			tid = id
		}
	}
	if tid == 0 {
		t.Fatal("no new thread started")
	}
	if err := c.tracedTgids.Lookup(tid, &start); err != nil || start == 0 {
		t.Errorf("thread %d, started after Follow, is not tracked with its start time: %d, %v", tid, start, err)
	}
	close(done)
	waitUntracked(t, c, tid)
}
