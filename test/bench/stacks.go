package main

import (
	"bufio"
	"bytes"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// stackRun is what one profile run measured.
type stackRun struct {
	samples      int     // samples in the folded output, all processes
	workload     int     // those of the workload
	lost         int     // samples luatrace reported lost
	bpfRuns      uint64  // perf_event program runs, on all CPUs
	bpfNanos     uint64  // their time in the program
	luatraceCPU  float64 // luatrace's CPU seconds, startup included
	unwindMicros float64 // per stack, from luatrace -v
	slowestMilli float64 // the slowest stack's unwind
	workloadCPU  float64 // the workload's CPU seconds during the run
}

// benchStacks profiles every process at 99 Hz on all CPUs, with
// --call-graph fp and dwarf in turn (rounds times, interleaved), while a
// busy 2-thread workload built without frame pointers runs, and reports
// per sample: the BPF program's time in the sampled process (the kernel's
// BPF run-time statistics, on while this runs; every run keeps its
// sample), luatrace's CPU time and its unwinding time, and the samples
// lost.
func benchStacks(lt, dir string, seconds, rounds int) {
	workload := filepath.Join(dir, "threads")
	if out, err := exec.Command("gcc", "-O2", "-fomit-frame-pointer", "-pthread", "-o", workload, "test/workloads/threads.c").CombinedOutput(); err != nil {
		log.Fatalf("gcc: %v\n%s", err, out)
	}
	stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err != nil {
		log.Fatalf("enable BPF run-time statistics: %v", err)
	}
	defer stats.Close()
	modes := []string{"fp", "dwarf"}
	runs := map[string][]stackRun{}
	for r := 0; r < rounds; r++ {
		for _, mode := range modes {
			run, err := profileRun(lt, workload, mode, seconds)
			if err != nil {
				log.Fatalf("profile --call-graph %s: %v", mode, err)
			}
			runs[mode] = append(runs[mode], run)
		}
	}
	fmt.Printf("profile -U -F 99 --call-graph MODE SECONDS on all CPUs, %d s, with a busy 2-thread workload without frame pointers, %d rounds interleaved\n\n", seconds, rounds)
	fmt.Printf("%-6s %8s %6s %9s %11s %9s %11s %16s %14s %15s\n", "mode", "samples", "lost", "workload", "per CPU-s", "BPF runs", "BPF ns/run", "luatrace µs/smp", "unwind µs/smp", "slowest unw ms")
	for _, mode := range modes {
		for _, run := range runs[mode] {
			unwind, slowest := "-", "-"
			if run.unwindMicros > 0 {
				unwind, slowest = fmt.Sprintf("%.1f", run.unwindMicros), fmt.Sprintf("%.1f", run.slowestMilli)
			}
			fmt.Printf("%-6s %8d %6d %9d %11.1f %9d %11.0f %16.1f %14s %15s\n", mode, run.samples, run.lost, run.workload,
				float64(run.workload)/run.workloadCPU, run.bpfRuns, float64(run.bpfNanos)/float64(max(run.bpfRuns, 1)),
				1e6*run.luatraceCPU/float64(max(run.samples, 1)), unwind, slowest)
		}
	}
}

var (
	lostLine   = regexp.MustCompile(`lost (\d+) of \d+ events`)
	unwindLine = regexp.MustCompile(`unwound \d+ user stacks, ([\d.]+) µs each \(slowest ([\d.]+) ms\)`)
)

func profileRun(lt, workload, mode string, seconds int) (stackRun, error) {
	var run stackRun
	work := exec.Command(workload, "2", "1000000000")
	if err := work.Start(); err != nil {
		return run, err
	}
	defer func() { work.Process.Kill(); work.Wait() }()
	cmd := exec.Command(lt, "-v", "profile", "-U", "-F", "99", "--call-graph", mode, "-f", strconv.Itoa(seconds))
	var stdout bytes.Buffer
	var stderr lockedBuffer // read while luatrace writes it
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return run, err
	}
	// The workload's CPU time from when luatrace has attached (its stderr
	// says so with -v), to compare with its samples.
	var workStart float64
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				return run, fmt.Errorf("%v\n%s", err, stderr.String())
			}
			run.workloadCPU = cpuSeconds(work.Process.Pid) - workStart
			sc := bufio.NewScanner(&stdout)
			for sc.Scan() {
				line := sc.Text()
				i := strings.LastIndexByte(line, ' ')
				if n, err := strconv.Atoi(line[i+1:]); err == nil {
					run.samples += n
					if strings.HasPrefix(line, "threads;") {
						run.workload += n
					}
				}
			}
			if m := lostLine.FindStringSubmatch(stderr.String()); m != nil {
				run.lost, _ = strconv.Atoi(m[1])
			}
			if m := unwindLine.FindStringSubmatch(stderr.String()); m != nil {
				run.unwindMicros, _ = strconv.ParseFloat(m[1], 64)
				run.slowestMilli, _ = strconv.ParseFloat(m[2], 64)
			}
			return run, nil
		case <-tick.C:
			if workStart == 0 && strings.Contains(stderr.String(), "attached profile") {
				workStart = cpuSeconds(work.Process.Pid)
			}
			// The last reading before luatrace exits is the run's.
			if runs, nanos, ok := perfEventStats(cmd.Process.Pid); ok {
				run.bpfRuns, run.bpfNanos = runs, nanos
			}
			if cpu := cpuSeconds(cmd.Process.Pid); cpu > 0 {
				run.luatraceCPU = cpu
			}
		}
	}
}

// lockedBuffer is a buffer one goroutine writes while another reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// perfEventStats sums the run counts and times of the perf_event
// programs process pid holds, from their fdinfo.
func perfEventStats(pid int) (runs, nanos uint64, ok bool) {
	dir := fmt.Sprintf("/proc/%d/fdinfo", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, 0, false
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		info := map[string]string{}
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, found := strings.Cut(line, ":"); found {
				info[k] = strings.TrimSpace(v)
			}
		}
		if info["prog_type"] != strconv.Itoa(int(ebpf.PerfEvent)) {
			continue
		}
		n, _ := strconv.ParseUint(info["run_cnt"], 10, 64)
		t, _ := strconv.ParseUint(info["run_time_ns"], 10, 64)
		runs, nanos, ok = runs+n, nanos+t, true
	}
	return runs, nanos, ok
}

// cpuSeconds is the CPU time process pid has used (utime + stime), 0
// when it is gone.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	utime, _ := strconv.Atoi(f[11])
	stime, _ := strconv.Atoi(f[12])
	return float64(utime+stime) / 100 // USER_HZ
}
