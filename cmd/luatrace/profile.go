package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// cpuProfileEnv names a file to write a CPU profile of the whole run to,
// for measuring startup and event throughput (go tool pprof FILE).
const cpuProfileEnv = "LUATRACE_CPUPROFILE"

// startProfile starts the CPU profile $LUATRACE_CPUPROFILE asks for and
// returns what stops it; without the variable it does nothing.
func startProfile() (stop func()) {
	path := os.Getenv(cpuProfileEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "luatrace: cannot profile to %s (from $%s): %v\n", path, cpuProfileEnv, err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
