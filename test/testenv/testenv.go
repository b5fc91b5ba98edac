// Package testenv holds what tests of the binary share: privileged tests
// skip as a normal user but fail under CI=true, where they must run; and
// the binary and its workloads are built once per test process.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
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

// RequireCommand returns the path of a program a test runs. When it is
// missing the test skips, saying which Debian package has it; with
// CI=true it fails, as .ci/run installs it.
func RequireCommand(t testing.TB, name, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed; .ci/run must install it (apt-get install %s)", name, debianPackage)
	}
	t.Skipf("%s is not installed (apt-get install %s)", name, debianPackage)
	return ""
}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// RepoRoot is the repository, two levels above this package.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Build compiles luatrace and the C workloads of test/workloads into one
// temporary folder, once per test process, and returns the folder.
func Build(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "luatrace-e2e-")
		if buildErr != nil {
			return
		}
		// Readable by all: some tests run the binaries as an unprivileged user.
		if buildErr = os.Chmod(buildDir, 0o755); buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(buildDir, "luatrace"), "./cmd/luatrace")
		cmd.Dir = RepoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		srcs, _ := filepath.Glob(filepath.Join(RepoRoot(), "test", "workloads", "*.c"))
		for _, src := range srcs {
			name := strings.TrimSuffix(filepath.Base(src), ".c")
			out, err := exec.Command("gcc", "-O1", "-g", "-fno-omit-frame-pointer", "-o", filepath.Join(buildDir, name), src).CombinedOutput()
			if err != nil {
				buildErr = fmt.Errorf("gcc %s: %v\n%s", src, err, out)
				return
			}
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return buildDir
}
