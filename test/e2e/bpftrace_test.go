package e2e

import (
	"os"
	"os/exec"
	"testing"
)

// requireBpftrace returns bpftrace's path, skipping the test without it
// (failing it in CI, which installs it).
func requireBpftrace(t *testing.T) string {
	t.Helper()
	bt, err := exec.LookPath("bpftrace")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("bpftrace is not installed; CI installs it (.ci/run)")
		}
		t.Skip("bpftrace not installed (apt-get install bpftrace)")
	}
	return bt
}

// runBpftrace runs bpftrace's program prog on workload (bpftrace -c, so
// cpid is the workload's pid), with args before -e, and returns what
// it wrote to stdout.
func runBpftrace(t *testing.T, prog, workload string, args ...string) string {
	t.Helper()
	bt := requireBpftrace(t)
	out, err := exec.Command(bt, append(args, "-e", prog, "-c", workload)...).Output()
	if ee, ok := err.(*exec.ExitError); ok {
		t.Fatalf("bpftrace: %v\n%s%s", err, out, ee.Stderr)
	} else if err != nil {
		t.Fatalf("bpftrace: %v", err)
	}
	return string(out)
}
