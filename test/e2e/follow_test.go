package e2e

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/luatrace/luatrace/test/testenv"
)

// countInKernel counts the events of probe by key (an expression such as
// comm or pid) in a kernel map, which luatrace prints at exit: counts are
// exact at any rate.
func countInKernel(probe, key string) string {
	return `calls = map.count{key = "` + key + `"}
probe("` + probe + `", {into = {calls}})`
}

var countLine = regexp.MustCompile(`(?m)^@calls\[(.*)\]: (\d+)$`)

// counts reads the "@calls[KEY]: N" lines of countInKernel's printout.
func counts(t *testing.T, stdout string) map[string]int {
	t.Helper()
	m := map[string]int{}
	for _, l := range countLine.FindAllStringSubmatch(stdout, -1) {
		n, _ := strconv.Atoi(l[2])
		m[l[1]] = n
	}
	return m
}

// wrapper writes a shell script that runs argv as its child: the
// trailing ":" keeps the shell from exec'ing the last command itself.
func wrapper(t *testing.T, argv ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wrap.sh")
	script := strings.Join(argv, " ") + "\n:\n"
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestChildOfWrapper: -c 'sh wrap.sh' counts the calls of the workload the
// shell starts, exactly; --no-follow counts only the shell's.
func TestChildOfWrapper(t *testing.T) {
	requireRoot(t)
	const n = 100000
	wrap := wrapper(t, bin(t, "syscalls"), strconv.Itoa(n))
	for _, tc := range []struct {
		flags []string
		want  int
	}{{nil, n}, {[]string{"--no-follow"}, 0}} {
		t.Run(fmt.Sprint(tc.flags), func(t *testing.T) {
			args := append(tc.flags, "-c", "sh "+wrap, "-e", countInKernel("tracepoint:syscalls:sys_enter_getppid", "comm"))
			r := luatrace(t, args...).expectOK(t)
			if got := counts(t, r.stdout)["syscalls"]; got != tc.want {
				t.Errorf("getppid calls of the shell's child: %d, want %d\nstdout:\n%s\nstderr:\n%s", got, tc.want, r.stdout, r.stderr)
			}
		})
	}
}

// TestFollowForkTree: every process of a tree forked under the -c command
// is counted, each with exactly its calls, although children call right
// after fork returns; --no-follow keeps the root only.
func TestFollowForkTree(t *testing.T) {
	requireRoot(t)
	const depth, fanout, calls = 3, 3, 2000
	const processes = 1 + fanout + fanout*fanout + fanout*fanout*fanout
	for _, tc := range []struct {
		flags []string
		want  int
	}{{nil, processes}, {[]string{"--no-follow"}, 1}} {
		t.Run(fmt.Sprint(tc.flags), func(t *testing.T) {
			args := append(tc.flags, "-c", fmt.Sprintf("%s %d %d %d", bin(t, "forktree"), depth, fanout, calls),
				"-e", countInKernel("tracepoint:syscalls:sys_enter_getppid", "pid"))
			r := luatrace(t, args...).expectOK(t)
			got := counts(t, r.stdout)
			for pid, n := range got {
				if n != calls {
					t.Errorf("process %s made %d calls, want %d", pid, n, calls)
				}
			}
			if len(got) != tc.want {
				t.Errorf("%d processes counted, want %d\nstdout:\n%s\nstderr:\n%s", len(got), tc.want, r.stdout, r.stderr)
			}
		})
	}
}

// TestFollowThreadsUprobe: a uprobe counts every thread of a process the
// -c command starts (uprobes attach to every process, the pid set
// filters); with --no-follow, attached to the shell alone, none.
func TestFollowThreadsUprobe(t *testing.T) {
	requireRoot(t)
	const threads, rounds = 4, 200
	exe := bin(t, "threads")
	wrap := wrapper(t, exe, strconv.Itoa(threads), strconv.Itoa(rounds))
	for _, tc := range []struct {
		name  string
		flags []string
		cmd   string
		want  int
	}{
		{"child", nil, "sh " + wrap, threads * rounds},
		{"child --no-follow", []string{"--no-follow"}, "sh " + wrap, 0},
		{"command --no-follow", []string{"--no-follow"}, fmt.Sprintf("%s %d %d", exe, threads, rounds), threads * rounds},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(tc.flags, "-c", tc.cmd, "-e", countInKernel("uprobe:"+exe+":lt_work", "comm"))
			r := luatrace(t, args...).expectOK(t)
			if got := counts(t, r.stdout)["threads"]; got != tc.want {
				t.Errorf("lt_work calls: %d, want %d\nstdout:\n%s\nstderr:\n%s", got, tc.want, r.stdout, r.stderr)
			}
		})
	}
}

// TestFollowMake: counting system calls by command under -c 'make -j2'
// (what syscount does) counts the compilers make runs.
func TestFollowMake(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	files := map[string]string{
		"Makefile": "all: a.o b.o\n%.o: %.c\n\tgcc -O1 -c -o $@ $<\n",
		"a.c":      "int a(int x) { return x + 1; }\n",
		"b.c":      "int b(int x) { return x * 2; }\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := luatrace(t, "-c", "make -s -j2 -C "+dir, "-e", countInKernel("tracepoint:raw_syscalls:sys_enter", "comm")).expectOK(t)
	got := counts(t, r.stdout)
	for _, comm := range []string{"make", "gcc", "cc1", "as"} {
		if got[comm] == 0 {
			t.Errorf("no system calls of %s counted\nstdout:\n%s\nstderr:\n%s", comm, r.stdout, r.stderr)
		}
	}
	for _, obj := range []string{"a.o", "b.o"} {
		if _, err := os.Stat(filepath.Join(dir, obj)); err != nil {
			t.Errorf("make did not build %s: %v", obj, err)
		}
	}
}

// TestFollowPID: -p counts the processes its target starts once the trace
// runs, --no-follow only the target; either way the trace ends with the
// target and leaves no BPF object behind.
func TestFollowPID(t *testing.T) {
	requireRoot(t)
	const n = 3000
	for _, tc := range []struct {
		flags []string
		want  int
	}{{nil, n}, {[]string{"--no-follow"}, 0}} {
		t.Run(fmt.Sprint(tc.flags), func(t *testing.T) {
			// The shell runs the workload as its child.
			target, release := startOnLine(t, bin(t, "syscalls")+" "+strconv.Itoa(n)+"; :")
			pid := target.Process.Pid
			script := countInKernel("tracepoint:syscalls:sys_enter_getppid", "comm") + `
probe("BEGIN", function() print("ready") end)`
			cmd, rd, stderr := runUntilReady(t, append(tc.flags, "-p", strconv.Itoa(pid), "-e", script)...)
			held := testenv.HeldBPF(t, cmd.Process.Pid)
			release()
			rest, _ := io.ReadAll(rd)
			if err := cmd.Wait(); err != nil {
				t.Fatalf("luatrace: %v\nstderr:\n%s", err, stderr)
			}
			if got := counts(t, string(rest))["syscalls"]; got != tc.want {
				t.Errorf("getppid calls of the target's child: %d, want %d\nstdout:\n%s\nstderr:\n%s", got, tc.want, rest, stderr)
			}
			if !strings.Contains(stderr.String(), fmt.Sprintf("process %d exited", pid)) {
				t.Errorf("luatrace did not stop when the process exited:\n%s", stderr)
			}
			held.WaitFreed(t, "the trace ended")
		})
	}
}

// TestFollowExitEvents: a child leaves the traced set only once reaped,
// so what it does while exiting still counts: each process of the tree
// signals its parent (SIGCHLD) after the kernel's exit tracepoint.
func TestFollowExitEvents(t *testing.T) {
	requireRoot(t)
	const processes = 1 + 2 + 4
	for _, tc := range []struct {
		flags []string
		want  int
	}{{nil, processes}, {[]string{"--no-follow"}, 1}} {
		t.Run(fmt.Sprint(tc.flags), func(t *testing.T) {
			script := `calls = map.count{key = "pid"}
probe("tracepoint:signal:signal_generate", {filter = "args.sig == 17", into = {calls}})`
			r := luatrace(t, append(tc.flags, "-c", bin(t, "forktree")+" 2 2 0", "-e", script)...).expectOK(t)
			got := counts(t, r.stdout)
			for pid, n := range got {
				if n != 1 {
					t.Errorf("process %s sent %d SIGCHLD, want 1", pid, n)
				}
			}
			if len(got) != tc.want {
				t.Errorf("%d processes signalled their exit, want %d\nstdout:\n%s\nstderr:\n%s", len(got), tc.want, r.stdout, r.stderr)
			}
		})
	}
}

// TestFollowLateProbe: a probe attached from a callback, after -c released
// its command, still counts a process the command started before: the
// trace begins with the command's descendants that already run.
func TestFollowLateProbe(t *testing.T) {
	requireRoot(t)
	const n = 500
	flag := filepath.Join(t.TempDir(), "attach")
	// The child prints its pid, then waits for a line on stdin.
	wrap := wrapper(t, bin(t, "syscalls"), strconv.Itoa(n), "wait")
	script := `local n, p = 0, nil
probe("interval:ms:10", function()
  if not p and io.open("` + flag + `") then
    p = probe("tracepoint:syscalls:sys_enter_getppid", function() n = n + 1 end)
    print("ready")
  end
end)
probe("END", function() printf("%d\n", n) end)`
	cmd, in, rd, stderr := startLuatrace(t, true, "-c", "sh "+wrap, "-e", script)
	for _, want := range []string{"pid", "ready"} {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("waiting for the %s line: %v\nstderr:\n%s", want, err, stderr.String())
		}
		if want == "pid" {
			if _, err := strconv.Atoi(strings.TrimSpace(line)); err != nil {
				t.Fatalf("want the child's pid, got %q", line)
			}
			if err := os.WriteFile(flag, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		} else if line != "ready\n" {
			t.Fatalf("want ready, got %q", line)
		}
	}
	io.WriteString(in, "go\n")
	rest, _ := io.ReadAll(rd)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("luatrace: %v\nstderr:\n%s", err, stderr.String())
	}
	if string(rest) != fmt.Sprintf("%d\n", n) {
		t.Errorf("getppid calls counted %q, want %d\nstderr:\n%s", rest, n, stderr.String())
	}
}
