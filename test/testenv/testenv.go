// Package testenv holds what privileged tests share: they skip as a normal
// user, but fail under CI=true, where they must run.
package testenv

import (
	"os"
	"testing"
)

// RequireRoot skips t unless running as root; with CI=true it fails it.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("privileged test cannot run: CI must run the tests as root")
	}
	t.Skip("needs root to load BPF programs")
}
