package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// recordBench measures luatrace record against the same script run live,
// in interleaved rounds: the traced process's ns per call, luatrace's CPU
// per event (its CPU over a run of calls events less its CPU over a run
// of one, so that starting and attaching do not count), the recording's
// bytes per event; then luatrace replay's events per second of CPU
// through a trivial callback.
func recordBench(lt, workload, dir string, calls, rounds int) error {
	file := filepath.Join(dir, "bench.ltrec")
	callback := `local n = 0
probe("` + tracepoint + `", function(e) n = n + 1 end)
probe("BEGIN", function() io.stderr:write("ready\n") end)`
	counted := `calls = map.count{ key = "comm" }
probe("` + tracepoint + `", { into = calls })
probe("BEGIN", function() io.stderr:write("ready\n") end)`
	configs := []config{
		{name: "live, Lua callback per event", start: startCommand(lt, "-e", callback)},
		{name: "record, Lua callback per event", start: startCommand(lt, "record", "-o", file, "-e", callback)},
		{name: "live, map.count{key=comm}", start: startCommand(lt, "-e", counted)},
		{name: "record, map.count{key=comm}", start: startCommand(lt, "record", "-o", file, "-e", counted)},
	}
	ns := make([][]float64, len(configs))
	cpu := make([][]float64, len(configs))
	bytes := make([][]float64, len(configs))
	for r := 0; r < rounds; r++ {
		for i, c := range configs {
			_, idle, err := measure(c, workload, 1)
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			os.Remove(file)
			n, used, err := measure(c, workload, calls)
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			ns[i] = append(ns[i], n)
			cpu[i] = append(cpu[i], float64((used-idle).Nanoseconds())/float64(calls-1))
			if st, err := os.Stat(file); err == nil && strings.HasPrefix(c.name, "record") {
				bytes[i] = append(bytes[i], float64(st.Size())/float64(calls))
			}
		}
	}
	fmt.Printf("\nrecording: getppid() x %d, median of %d interleaved rounds\n\n", calls, rounds)
	fmt.Printf("%-34s %10s %16s %12s %12s\n", "configuration", "ns/call", "luatrace cpu ns", "x live cpu", "file B/event")
	for i, c := range configs {
		ratio, size := "-", "-"
		if i%2 == 1 {
			ratio = fmt.Sprintf("%.2f", median(cpu[i])/median(cpu[i-1]))
			size = fmt.Sprintf("%.2f", median(bytes[i]))
		}
		fmt.Printf("%-34s %10.1f %16.1f %12s %12s\n", c.name, median(ns[i]), median(cpu[i]), ratio, size)
	}

	// The last round's map.count recording holds every event: replay it.
	script := filepath.Join(dir, "trivial.lua")
	if err := os.WriteFile(script, []byte(`local n = 0
probe("`+tracepoint+`", function(e) n = n + 1 end)
probe("END", function() print(n) end)`), 0o644); err != nil {
		return err
	}
	var rates []float64
	for r := 0; r < rounds; r++ {
		cmd := exec.Command(lt, "replay", file, script)
		start := time.Now()
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("replay: %v\n%s", err, out)
		}
		wall := time.Since(start)
		events, err := strconv.Atoi(strings.TrimSpace(string(out)))
		if err != nil {
			return fmt.Errorf("replay printed %q, not its event count", out)
		}
		used := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		rates = append(rates, float64(events)/used.Seconds())
		fmt.Printf("replay round %d: %d events, %.0f events/s of CPU (%v CPU, %v wall, start-up included)\n", r+1, events, rates[r], used.Round(time.Millisecond), wall.Round(time.Millisecond))
	}
	fmt.Printf("replay, trivial callback: median %.2fM events/s of CPU\n", median(rates)/1e6)
	return nil
}
