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
)

// flood is one tracer run over a flat-out getppid loop of one process:
// how many events its consumer delivered of those produced, and how fast
// the producer made them.
type flood struct {
	name      string
	produced  int
	delivered int
	nsPerCall float64
}

// rate is the events delivered per second of the producer's run: with no
// loss, the consumer kept up with the producer, so this is a lower bound
// of what it can take.
func (f flood) rate() float64 {
	return float64(f.delivered) / (f.nsPerCall * float64(f.produced) / 1e9)
}

// throughputTable floods each consumer with calls events and prints what
// it delivered.
func throughputTable(lt, workload string, calls int) {
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
	add(luatraceFlood("luatrace, Lua callback", lt, run, calls, `local n = 0
probe("`+tracepoint+`", function(e) n = n + 1 end)
probe("END", function() print(n) end)`))
	add(printfFlood("luatrace, printf to a file", lt, calls, out, "-o", out, "--no-follow", "-c", run, "-e",
		`probe("`+tracepoint+`", function(e) printf("%d %s\n", e.pid, e.comm) end)`))
	if bt, err := exec.LookPath("bpftrace"); err == nil {
		add(printfFlood("bpftrace, printf to a file", bt, calls, out, "-o", out, "-c", run, "-e",
			tracepoint+` /pid == cpid/ { printf("%d %s\n", pid, comm); }`))
	}
	fmt.Printf("\nthroughput: one process makes %d getppid() calls flat out\n\n", calls)
	fmt.Printf("%-36s %14s %12s %16s\n", "consumer", "producer ev/s", "delivered", "delivered ev/s")
	for _, f := range floods {
		fmt.Printf("%-36s %14.0f %11.2f%% %16.0f\n", f.name, 1e9/f.nsPerCall, 100*float64(f.delivered)/float64(f.produced), f.rate())
	}
}

// luatraceFlood runs script under luatrace --no-follow -c run (the loop
// does not fork); the workload prints its ns/call, then END prints how
// many events the callback saw.
func luatraceFlood(name, lt, run string, calls int, script string) (flood, error) {
	f := flood{name: name, produced: calls}
	out, err := exec.Command(lt, "--no-follow", "-c", run, "-e", script).Output()
	if err != nil {
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
// workload prints its ns/call on the tracer's stdout.
func printfFlood(name, path string, calls int, file string, args ...string) (flood, error) {
	f := flood{name: name, produced: calls}
	out, err := exec.Command(path, args...).Output()
	if err != nil {
		return f, err
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
