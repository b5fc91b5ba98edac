package main

import (
	"bufio"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// flood is one tracer run over a flat-out getppid loop of one process:
// how many events its consumer delivered of those produced, and how fast
// the producer made them.
type flood struct {
	name      string
	produced  int
	delivered int
	nsPerCall float64
	// consumerCPU is the tracer's own CPU time (not its children's), 0
	// where unknown: what each event costs it, whatever the producer's
	// rate, so 1/(consumerCPU per event) is the rate one CPU keeps up with.
	consumerCPU time.Duration
}

// capacity is the events per second one CPU of consumer time handles at
// this run's cost per event, "-" where unknown.
func (f flood) capacity() string {
	if f.consumerCPU <= 0 || f.delivered == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", float64(f.delivered)/f.consumerCPU.Seconds())
}

// cpuPerEvent is the consumer's CPU nanoseconds per delivered event.
func (f flood) cpuPerEvent() string {
	if f.consumerCPU <= 0 || f.delivered == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", float64(f.consumerCPU.Nanoseconds())/float64(f.delivered))
}

// ownCPU is Lua for END that writes luatrace's own CPU time in clock
// ticks (user + system, children not included) to stderr, as "cpu N".
const ownCPU = `
probe("END", function()
  local f = io.open("/proc/self/stat"); local s = f:read("*a"); f:close()
  local v = {}
  for w in s:gsub("^.*%) ", ""):gmatch("%S+") do v[#v + 1] = w end
  io.stderr:write("cpu " .. (tonumber(v[12]) + tonumber(v[13])) .. "\n")
end)`

// clockTick is /proc's unit of CPU time (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// parseOwnCPU finds ownCPU's line in stderr.
func parseOwnCPU(stderr string) (time.Duration, error) {
	for _, l := range strings.Split(stderr, "\n") {
		if v, ok := strings.CutPrefix(l, "cpu "); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			return time.Duration(n) * clockTick, err
		}
	}
	return 0, fmt.Errorf("no CPU time in %q", stderr)
}

// rate is the events delivered per second of the producer's run: with no
// loss, the consumer kept up with the producer, so this is a lower bound
// of what it can take.
func (f flood) rate() float64 {
	return float64(f.delivered) / (f.nsPerCall * float64(f.produced) / 1e9)
}

// throughputTable floods each consumer with calls events and prints what
// it delivered.
func throughputTable(binaries []luatraceBinary, workload string, calls int) {
	dir, err := os.MkdirTemp("", "luatrace-flood-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "out")
	run := workload + " " + strconv.Itoa(calls)
	var floods []flood
	add := func(f flood, err error) {
		if err != nil {
			log.Fatalf("%s: %v", f.name, err)
		}
		floods = append(floods, f)
	}
	for _, b := range binaries {
		add(luatraceFlood(b.label+", Lua callback", b.path, run, calls, `local n = 0
probe("`+tracepoint+`", function(e) n = n + 1 end)
probe("END", function() print(n) end)`+ownCPU))
		add(printfFlood(b.label+", printf to a file", b.path, calls, out, "-o", out, "--no-follow", "-c", run, "-e",
			`probe("`+tracepoint+`", function(e) printf("%d %s\n", e.pid, e.comm) end)`+ownCPU))
	}
	if bt, err := exec.LookPath("bpftrace"); err == nil {
		add(printfFlood("bpftrace, printf to a file", bt, calls, out, "-o", out, "-c", run, "-e",
			tracepoint+` /pid == cpid/ { printf("%d %s\n", pid, comm); }`))
	}
	fmt.Printf("\nthroughput: one process makes %d getppid() calls flat out; the consumer's own CPU per event, and the events/s one CPU of it handles at that cost\n\n", calls)
	fmt.Printf("%-36s %14s %12s %16s %14s %14s\n", "consumer", "producer ev/s", "delivered", "delivered ev/s", "CPU ns/event", "ev/s per CPU")
	for _, f := range floods {
		fmt.Printf("%-36s %14.0f %11.2f%% %16.0f %14s %14s\n", f.name, 1e9/f.nsPerCall, 100*float64(f.delivered)/float64(f.produced), f.rate(), f.cpuPerEvent(), f.capacity())
	}
}

// luatraceFlood runs script under luatrace --no-follow -c run (the loop
// does not fork); the workload prints its ns/call, then END prints how
// many events the callback saw.
func luatraceFlood(name, lt, run string, calls int, script string) (flood, error) {
	f := flood{name: name, produced: calls}
	var stderr strings.Builder
	cmd := exec.Command(lt, "--no-follow", "-c", run, "-e", script)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return f, err
	}
	if f.consumerCPU, err = parseOwnCPU(stderr.String()); err != nil {
		return f, err
	}
	lines := strings.Fields(string(out))
	if len(lines) != 2 {
		return f, fmt.Errorf("want the workload's ns/call and a count, got %q", out)
	}
	if f.nsPerCall, err = strconv.ParseFloat(lines[0], 64); err != nil {
		return f, err
	}
	f.delivered, err = strconv.Atoi(lines[1])
	return f, err
}

// callLine is a printf line of the traced loop: "PID getppid_loop".
var callLine = regexp.MustCompile(`^\d+ getppid_loop$`)

// printfFlood runs a tracer that writes a line per event to file; the
// workload prints its ns/call on the tracer's stdout. A luatrace script
// ends with ownCPU.
func printfFlood(name, path string, calls int, file string, args ...string) (flood, error) {
	f := flood{name: name, produced: calls}
	var stderr strings.Builder
	cmd := exec.Command(path, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return f, err
	}
	if strings.Contains(stderr.String(), "cpu ") {
		if f.consumerCPU, err = parseOwnCPU(stderr.String()); err != nil {
			return f, err
		}
	}
	for _, l := range strings.Split(string(out), "\n") {
		if v, err := strconv.ParseFloat(strings.TrimSpace(l), 64); err == nil {
			f.nsPerCall = v
		}
	}
	if f.nsPerCall == 0 {
		return f, fmt.Errorf("no ns/call from the workload in %q", out)
	}
	fh, err := os.Open(file)
	if err != nil {
		return f, err
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if callLine.MatchString(sc.Text()) {
			f.delivered++
		}
	}
	return f, sc.Err()
}
