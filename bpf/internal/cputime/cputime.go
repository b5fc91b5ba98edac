// Package cputime reads the CPU time this process has used, for
// benchmarks on a shared machine: wall-clock rates there measure the
// neighbours' load as much as the code.
package cputime

import (
	"time"

	"golang.org/x/sys/unix"
)

// Used is the user plus system CPU time of the process so far (all its
// threads), or 0 when it cannot be read.
func Used() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
