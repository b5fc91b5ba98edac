// Command bench measures luatrace beside bpftrace: how fast a script that
// attaches one probe starts (wall, CPU, peak RSS); what tracing costs the
// traced process, a tight getppid() loop untraced and under each tracer,
// in the loop's own CPU time (other jobs on the machine do not count) and
// as ratios to the empty-program floor from neighbouring runs; and how
// many events a Lua callback and printf deliver from a flat-out loop. It
// reports; it never passes or fails on timings.
//
//	go run ./test/bench -luatrace ./luatrace [-old ./luatrace-main]
//
// With -old, every luatrace row is measured for that binary too, in the
// same rounds: a before/after comparison at the same moment.
//
// With -startup it measures startup alone; with -stacks, sampled stacks
// instead (stacks.go).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"
)

const tracepoint = "tracepoint:syscalls:sys_enter_getppid"

func main() {
	luatrace := flag.String("luatrace", "./luatrace", "luatrace binary")
	oldLuatrace := flag.String("old", "", "another luatrace binary measured beside it (rows marked old)")
	calls := flag.Int("n", 2_000_000, "getppid calls per measurement")
	rounds := flag.Int("rounds", 5, "measurements per configuration (median reported)")
	floodCalls := flag.Int("flood", 3_000_000, "getppid calls of the throughput runs")
	stacks := flag.Bool("stacks", false, "measure profile --call-graph fp and dwarf instead (see stacks.go)")
	seconds := flag.Int("seconds", 5, "-stacks: seconds per profile run")
	startupOnly := flag.Bool("startup", false, "measure startup only (wall, CPU, peak RSS), not per-event cost or throughput")
	flag.Parse()
	log.SetFlags(0)
	if os.Geteuid() != 0 {
		log.Fatal("bench: needs root to attach probes")
	}
	if err := rlimit.RemoveMemlock(); err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "luatrace-bench-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	lt, _ := filepath.Abs(*luatrace)
	binaries := []luatraceBinary{{"luatrace", lt}}
	if *oldLuatrace != "" {
		old, _ := filepath.Abs(*oldLuatrace)
		binaries = append(binaries, luatraceBinary{"old luatrace", old})
	}
	if *stacks {
		benchStacks(lt, dir, *seconds, *rounds)
		return
	}
	workload := filepath.Join(dir, "getppid_loop")
	if out, err := exec.Command("gcc", "-O2", "-o", workload, "test/workloads/getppid_loop.c").CombinedOutput(); err != nil {
		log.Fatalf("gcc: %v\n%s", err, out)
	}

	only := os.Getenv("LUATRACE_BENCH_ONLY") // a substring of configuration names, for profiling sessions
	configs := []config{
		{name: "untraced"},
		{name: "empty BPF program (floor)", start: startFloor},
	}
	for _, b := range binaries {
		configs = append(configs, luatraceConfigs(b)...)
	}
	if bt, err := exec.LookPath("bpftrace"); err == nil {
		configs = append(configs, config{name: "bpftrace 0.17, printf per event", start: startCommand(bt, "-e",
			`BEGIN { printf("ready\n"); } `+tracepoint+` { printf("%d %s\n", pid, comm); }`)})
		configs = append(configs, config{name: "bpftrace 0.17, @[comm] = count()", start: startCommand(bt, "-e",
			`BEGIN { printf("ready\n"); } `+tracepoint+` { @[comm] = count(); }`)})
	} else {
		log.Printf("bpftrace not installed (apt-get install bpftrace): its row is left out")
	}

	if only != "" {
		kept := configs[:2]
		for _, c := range configs[2:] {
			if strings.Contains(c.name, only) {
				kept = append(kept, c)
			}
		}
		configs = kept
	}
	// Startup first, while the machine is as quiet as it will get.
	startupTable(binaries, *rounds)
	if *startupOnly {
		return
	}

	// Each configuration's run sits between an untraced run and a floor
	// run of its own: ratios come from neighbours, so drift over the
	// benchmark (other jobs, frequency) cancels instead of skewing them.
	over := make([][]float64, len(configs))
	ratio := make([][]float64, len(configs))
	ns := make([][]float64, len(configs))
	for r := 0; r < *rounds; r++ {
		for i, c := range configs {
			base, _, err := measure(configs[0], workload, *calls)
			if err != nil {
				log.Fatalf("untraced: %v", err)
			}
			floor, _, err := measure(configs[1], workload, *calls)
			if err != nil {
				log.Fatalf("floor: %v", err)
			}
			got, _, err := measure(c, workload, *calls)
			if err != nil {
				log.Fatalf("%s: %v", c.name, err)
			}
			ns[i] = append(ns[i], got)
			over[i] = append(over[i], got-base)
			if floor > base {
				ratio[i] = append(ratio[i], (got-base)/(floor-base))
			}
		}
	}
	fmt.Printf("\nper-event cost: getppid() x %d, the loop's CPU time; each run between an untraced and a floor run, median of %d rounds\n\n", *calls, *rounds)
	fmt.Printf("%-42s %12s %14s %12s\n", "configuration", "CPU ns/call", "overhead ns", "x floor")
	for i, c := range configs {
		x := "-"
		if i > 0 && len(ratio[i]) > 0 {
			x = fmt.Sprintf("%.2f", median(ratio[i]))
		}
		fmt.Printf("%-42s %12.1f %14.1f %12s\n", c.name, median(ns[i]), median(over[i]), x)
	}

	throughputTable(binaries, workload, *floodCalls)

	if only == "" || strings.Contains("record", only) {
		if err := recordBench(lt, workload, dir, *calls, *rounds); err != nil {
			log.Fatalf("record benchmark: %v", err)
		}
	}
}

// luatraceBinary is a luatrace to measure, and how its rows are named.
type luatraceBinary struct {
	label, path string
}

// luatraceConfigs are b's per-event cost configurations.
func luatraceConfigs(b luatraceBinary) []config {
	script := func(body string) func() (func() (time.Duration, error), error) {
		return startCommand(b.path, "-e", body+`
probe("BEGIN", function() io.stderr:write("ready\n") end)`)
	}
	return []config{
		{name: b.label + ", Lua callback per event", start: script(`local n = 0
probe("` + tracepoint + `", function(e) n = n + 1 end)`)},
		{name: b.label + ", printf per event", start: script(`probe("` + tracepoint + `", function(e) printf("%d %s\n", e.pid, e.comm) end)`)},
		{name: b.label + ", probe without callback", start: script(`probe("` + tracepoint + `")`)},
		{name: b.label + ", map.count{}", start: script(`calls = map.count{}
probe("` + tracepoint + `", { into = calls })`)},
		{name: b.label + ", map.count{key=comm}", start: script(`calls = map.count{ key = "comm" }
probe("` + tracepoint + `", { into = calls })`)},
	}
}

type config struct {
	name string
	// start starts the tracer; stop ends it and returns the CPU time it
	// used (0 when it is not a process).
	start func() (stop func() (time.Duration, error), err error)
}

// measure runs the workload under c: its CPU ns per call, and the
// tracer's CPU time over the whole run.
func measure(c config, workload string, calls int) (float64, time.Duration, error) {
	stop := func() (time.Duration, error) { return 0, nil }
	if c.start != nil {
		var err error
		if stop, err = c.start(); err != nil {
			return 0, 0, err
		}
	}
	cmd := exec.Command(workload, strconv.Itoa(calls))
	cmd.Env = append(os.Environ(), "GETPPID_CPU=1")
	out, err := cmd.Output()
	cpu, stopErr := stop()
	if err != nil {
		return 0, 0, fmt.Errorf("workload: %w", err)
	}
	if stopErr != nil {
		return 0, 0, fmt.Errorf("tracer: %w", stopErr)
	}
	ns, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	return ns, cpu, err
}

// startFloor attaches an empty program: the cost of any BPF tracer at all.
func startFloor() (func() (time.Duration, error), error) {
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:         ebpf.TracePoint,
		License:      "GPL",
		Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()},
	})
	if err != nil {
		return nil, err
	}
	l, err := link.Tracepoint("syscalls", "sys_enter_getppid", prog, nil)
	if err != nil {
		prog.Close()
		return nil, err
	}
	return func() (time.Duration, error) { l.Close(); return 0, prog.Close() }, nil
}

// startCommand runs a tracer until stopped; it is ready once it prints a
// line "ready" on stdout or stderr. Its output is drained and discarded.
func startCommand(path string, args ...string) func() (func() (time.Duration, error), error) {
	return func() (func() (time.Duration, error), error) {
		cmd := exec.Command(path, args...)
		stdout, _ := cmd.StdoutPipe()
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		ready := make(chan struct{}, 2)
		watch := func(r io.Reader) {
			br := bufio.NewReader(r)
			for {
				line, err := br.ReadString('\n')
				if line == "ready\n" {
					ready <- struct{}{}
					io.Copy(io.Discard, br)
					return
				}
				if err != nil {
					return
				}
			}
		}
		go watch(stdout)
		go watch(stderr)
		select {
		case <-ready:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			return nil, fmt.Errorf("%s did not get ready", path)
		}
		return func() (time.Duration, error) {
			cmd.Process.Signal(syscall.SIGINT)
			err := cmd.Wait()
			return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), err
		}, nil
	}
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}
