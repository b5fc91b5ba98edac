package e2e

import (
	"bufio"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// rows returns the output lines after the header line starting with
// header, split into fields.
func rows(t *testing.T, r result, header string) [][]string {
	t.Helper()
	lines := r.lines()
	for i, l := range lines {
		if strings.HasPrefix(l, header) {
			var out [][]string
			for _, row := range lines[i+1:] {
				out = append(out, strings.Fields(row))
			}
			return out
		}
	}
	t.Fatalf("no header %q in:\n%s\nstderr:\n%s", header, r.stdout, r.stderr)
	return nil
}

// matching keeps the rows whose field i is v (i < 0 counts from the end).
func matching(rs [][]string, i int, v string) [][]string {
	var out [][]string
	for _, r := range rs {
		j := i
		if j < 0 {
			j = len(r) + i
		}
		if j >= 0 && j < len(r) && r[j] == v {
			out = append(out, r)
		}
	}
	return out
}

// busyBackground keeps a CPU busy with the busy workload until the test
// ends, so that exactness is checked under load; it returns its pid.
func busyBackground(t *testing.T) int {
	t.Helper()
	busy := exec.Command(bin(t, "busy"), "600000")
	if err := busy.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Process.Kill(); busy.Wait() })
	return busy.Process.Pid
}

// tools are the tools that take options (the args module): each is
// listed, prints its header and an example for -h, and refuses an unknown
// option pointing at -h; some need an argument and say so without one.
var tools = []struct {
	name     string
	needsArg bool
}{
	{"bashreadline", false}, {"biolatency", false}, {"biosnoop", false}, {"capable", false},
	{"cpudist", false}, {"execsnoop", false}, {"exitsnoop", false}, {"funccount", true},
	{"funclatency", true}, {"gethostlatency", false}, {"killsnoop", false}, {"mdflush", false},
	{"naptime", false}, {"offcputime", false}, {"oomkill", false}, {"opensnoop", false},
	{"pidpersec", false}, {"profile", false}, {"runqlat", false}, {"setuids", false},
	{"stackcount", true}, {"statsnoop", false}, {"syscount", false}, {"tcpaccept", false},
	{"tcpconnect", false}, {"tcplife", false}, {"tcpretrans", false}, {"trace", true},
	{"vfsread", false}, {"vfsstat", false}, {"writeback", false},
}

// TestToolsListed: every tool is embedded, documents itself for -h and
// names -h in its usage errors; an unknown tool points at --list-tools.
func TestToolsListed(t *testing.T) {
	list := luatrace(t, "--list-tools").expectOK(t)
	for _, tool := range tools {
		if !regexp.MustCompile(`(?m)^` + tool.name + ` `).MatchString(list.stdout) {
			t.Errorf("--list-tools lacks %s:\n%s", tool.name, list.stdout)
		}
		h := luatrace(t, tool.name, "-h").expectOK(t)
		if !strings.HasPrefix(h.stdout, tool.name+": ") || !regexp.MustCompile(`Usage: +luatrace `+tool.name).MatchString(h.stdout) || !strings.Contains(h.stdout, "Example output") {
			t.Errorf("%s -h:\n%s", tool.name, h.stdout)
		}
		if bad := luatrace(t, tool.name, "-Q"); bad.code != 2 || !strings.Contains(bad.stderr, "unknown option -Q; see "+tool.name+" -h") {
			t.Errorf("%s -Q: exit %d, stderr %q", tool.name, bad.code, bad.stderr)
		}
		if !tool.needsArg {
			continue
		}
		if bad := luatrace(t, tool.name); bad.code != 2 || !strings.Contains(bad.stderr, "see "+tool.name+" -h") {
			t.Errorf("%s without an argument: exit %d, stderr %q", tool.name, bad.code, bad.stderr)
		}
	}
	if h := luatrace(t, "opensnoop", "-h").expectOK(t); !strings.HasPrefix(h.stdout, "opensnoop: trace open(2)") {
		t.Errorf("opensnoop -h:\n%s", h.stdout)
	}
	if bad := luatrace(t, "nosuchtool"); bad.code != 2 || !strings.Contains(bad.stderr, "--list-tools") {
		t.Errorf("nosuchtool: exit %d, stderr %q", bad.code, bad.stderr)
	}
}

// startTool runs a system-wide tool in the background (killed when the
// test ends) and returns its output lines after the header, which it
// prints once its probes are attached.
func startTool(t *testing.T, args ...string) (*bufio.Scanner, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(bin(t, "luatrace"), args...)
	out, _ := cmd.StdoutPipe()
	stderr := &strings.Builder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(out)
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), "TIME ") {
		t.Fatalf("%s printed no header: %q\n%s", args[0], lines.Text(), stderr.String())
	}
	return lines, stderr
}
