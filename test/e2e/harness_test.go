// Package e2e runs the luatrace binary as a user would: scripts, workloads
// built by the tests, real probes on the running kernel.
package e2e

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luatrace/luatrace/test/testenv"
)

// build compiles luatrace and the C workloads once per test binary.
func build(t *testing.T) string {
	t.Helper()
	return testenv.Build(t)
}

// bin is the path of luatrace or of a workload.
func bin(t *testing.T, name string) string {
	t.Helper()
	return filepath.Join(build(t), name)
}

// requireRoot: privileged tests skip as a normal user and fail in CI.
func requireRoot(t *testing.T) {
	t.Helper()
	testenv.RequireRoot(t)
}

type result struct {
	stdout, stderr string
	code           int
}

// luatrace runs the binary to completion (bounded by a minute).
func luatrace(t *testing.T, args ...string) result {
	t.Helper()
	return luatraceEnv(t, nil, args...)
}

// luatraceEnv is luatrace with extra environment variables.
func luatraceEnv(t *testing.T, env []string, args ...string) result {
	t.Helper()
	// Built before the minute starts: the first run of a test process
	// builds luatrace, which takes most of a minute on a loaded machine.
	path := bin(t, "luatrace")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = build(t)
	cmd.Env = append(cmd.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("luatrace %q did not finish within a minute\nstdout:\n%s\nstderr:\n%s", args, out.String(), errb.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run luatrace: %v", err)
	}
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

// expectOK fails unless luatrace exited 0.
func (r result) expectOK(t *testing.T) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	return r
}

// lines splits stdout into non-empty lines.
func (r result) lines() []string {
	var out []string
	for _, l := range strings.Split(r.stdout, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// script is the path of a shipped script.
func script(name string) string {
	return filepath.Join(testenv.RepoRoot(), "scripts", name)
}
