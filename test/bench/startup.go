package main

import (
	"fmt"
	"log"
	"os/exec"
	"syscall"
	"time"
)

// startupRun is one exec-to-exit run of a tracer that attaches and exits.
type startupRun struct {
	wall, cpu time.Duration
	rssKB     int64
}

// startupCase is a script that attaches one probe and exits at once.
type startupCase struct {
	name string
	path string
	args []string
}

func startupCases(binaries []luatraceBinary) []startupCase {
	var cases []startupCase
	for _, b := range binaries {
		cases = append(cases,
			// The floor: exec, Go's runtime and package inits, the Lua
			// state, exit; what every probe row pays before the kernel.
			startupCase{b.label + ", no probe (floor)", b.path, []string{"-e", `exit()`}},
			startupCase{b.label + ", callback", b.path, []string{"-e", `probe("` + tracepoint + `", function(e) end); exit()`}},
			startupCase{b.label + ", probe without callback", b.path, []string{"-e", `probe("` + tracepoint + `"); exit()`}},
			startupCase{b.label + ", map.count{key=comm}", b.path, []string{"-e", `c = map.count{key="comm"}; probe("` + tracepoint + `", {into = c}); exit()`}})
	}
	if bt, err := exec.LookPath("bpftrace"); err == nil {
		cases = append(cases,
			startupCase{"bpftrace, printf", bt, []string{"-e", tracepoint + ` { printf("%d\n", pid); } BEGIN { exit(); }`}},
			startupCase{"bpftrace, @[comm] = count()", bt, []string{"-e", tracepoint + ` { @[comm] = count(); } BEGIN { exit(); }`}})
	}
	return cases
}

// startupTable runs each case rounds times, interleaved, and prints the
// medians: wall time from exec to exit, CPU time (user + system, the
// process and its threads) and peak resident memory.
func startupTable(binaries []luatraceBinary, rounds int) {
	cases := startupCases(binaries)
	runs := make([][]startupRun, len(cases))
	for r := 0; r < rounds; r++ {
		for i, c := range cases {
			run, err := startupOnce(c)
			if err != nil {
				log.Fatalf("startup of %s: %v", c.name, err)
			}
			runs[i] = append(runs[i], run)
		}
	}
	fmt.Printf("startup: attach one probe on %s and exit, median of %d interleaved runs\n\n", tracepoint, rounds)
	fmt.Printf("%-42s %10s %10s %12s\n", "command", "wall s", "CPU s", "peak RSS MB")
	for i, c := range cases {
		var wall, cpu, rss []float64
		for _, r := range runs[i] {
			wall = append(wall, r.wall.Seconds())
			cpu = append(cpu, r.cpu.Seconds())
			rss = append(rss, float64(r.rssKB)/1024)
		}
		fmt.Printf("%-42s %10.3f %10.3f %12.1f\n", c.name, median(wall), median(cpu), median(rss))
	}
}

func startupOnce(c startupCase) (startupRun, error) {
	cmd := exec.Command(c.path, c.args...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	if err != nil {
		return startupRun{}, fmt.Errorf("%v: %s", err, out)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return startupRun{wall: wall, cpu: cpu, rssKB: ru.Maxrss}, nil
}
