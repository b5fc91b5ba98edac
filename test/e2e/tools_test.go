package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
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

func TestToolList(t *testing.T) {
	r := luatrace(t, "--list-tools").expectOK(t)
	for _, tool := range []string{"opensnoop", "exitsnoop", "killsnoop", "statsnoop", "setuids", "capable", "oomkill",
		"bashreadline", "gethostlatency", "naptime", "pidpersec", "writeback", "vfsstat", "mdflush", "execsnoop", "syscount"} {
		if !strings.Contains(r.stdout, "\n"+tool+" ") && !strings.HasPrefix(r.stdout, tool+" ") {
			t.Errorf("--list-tools lacks %s:\n%s", tool, r.stdout)
		}
	}
	h := luatrace(t, "opensnoop", "-h").expectOK(t)
	if !strings.HasPrefix(h.stdout, "opensnoop: trace open(2)") || !strings.Contains(h.stdout, "Usage: luatrace opensnoop") {
		t.Errorf("opensnoop -h:\n%s", h.stdout)
	}
	if bad := luatrace(t, "opensnoop", "-q"); bad.code != 2 || !strings.Contains(bad.stderr, "unknown option -q") {
		t.Errorf("opensnoop -q: exit %d, stderr %q", bad.code, bad.stderr)
	}
	if bad := luatrace(t, "nosuchtool"); bad.code != 2 || !strings.Contains(bad.stderr, "--list-tools") {
		t.Errorf("nosuchtool: exit %d, stderr %q", bad.code, bad.stderr)
	}
}

func TestOpensnoopTool(t *testing.T) {
	requireRoot(t)
	file := filepath.Join(t.TempDir(), "opened")
	os.WriteFile(file, []byte("x"), 0o644)
	r := luatrace(t, "-c", bin(t, "openat")+" "+file+" 3", "opensnoop", "-e").expectOK(t)
	got := matching(rows(t, r, "PID "), -1, file)
	if len(got) != 3 {
		t.Fatalf("%d opens of %s, want 3:\n%s", len(got), file, r.stdout)
	}
	for _, row := range got {
		if row[0] != got[0][0] || row[1] != "openat" || row[2] != "3" || row[3] != "0" || row[4] != "O_RDONLY|O_CLOEXEC" {
			t.Errorf("row %q, want PID, openat, fd 3, err 0, O_RDONLY|O_CLOEXEC", row)
		}
	}
	missing := filepath.Join(t.TempDir(), "missing")
	r = luatrace(t, "-c", bin(t, "openat")+" "+missing+" 2", "opensnoop", "-x").expectOK(t)
	all := rows(t, r, "PID ")
	if got := matching(all, -1, missing); len(got) != 2 || got[0][2] != "-1" || got[0][3] != "2" {
		t.Errorf("failed opens %q, want 2 with fd -1 err 2 (ENOENT)", got)
	}
	for _, row := range all {
		if row[3] == "0" {
			t.Errorf("-x printed a successful open: %q", row)
		}
	}
}

func TestExitsnoopTool(t *testing.T) {
	requireRoot(t)
	tests := []struct{ cmd, want string }{
		{`/bin/sh -c "exit 3"`, "code 3"},
		{`/bin/sh -c "kill -TERM \$\$"`, "signal 15 (SIGTERM)"},
		{bin(t, "syscalls") + " 1", "0"},
	}
	for _, tc := range tests {
		r := luatrace(t, "-c", tc.cmd, "exitsnoop")
		rs := rows(t, r, "PCOMM ")
		if len(rs) != 1 {
			t.Fatalf("%s: want one exit, got:\n%s", tc.cmd, r.stdout)
		}
		row := rs[0]
		if got := strings.Join(row[5:], " "); got != tc.want || row[1] != row[3] {
			t.Errorf("%s: row %q, want exit %q and PID == TID", tc.cmd, row, tc.want)
		}
		if age, err := strconv.ParseFloat(row[4], 64); err != nil || age < 0 || age > 30 {
			t.Errorf("%s: age %q", tc.cmd, row[4])
		}
	}
}

func TestKillsnoopTool(t *testing.T) {
	requireRoot(t)
	target := exec.Command("sleep", "30")
	if err := target.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { target.Process.Kill(); target.Wait() }()
	tpid := strconv.Itoa(target.Process.Pid)
	r := luatrace(t, "-c", "/bin/kill -USR1 "+tpid, "killsnoop").expectOK(t)
	got := matching(rows(t, r, "TIME "), 4, tpid)
	if len(got) != 1 || got[0][2] != "kill" || got[0][3] != strconv.Itoa(int(syscall.SIGUSR1)) || got[0][5] != "0" {
		t.Errorf("signals to %s: %q, want one SIGUSR1 from kill with result 0\n%s", tpid, got, r.stdout)
	}
	// A process that does not exist: ESRCH; -x keeps only failures.
	r = luatrace(t, "-c", "/bin/kill -0 999999", "killsnoop", "-x")
	got = rows(t, r, "TIME ")
	if len(got) != 1 || got[0][3] != "0" || got[0][4] != "999999" || got[0][5] != "-3" {
		t.Errorf("kill -0 999999: %q, want one row with result -3 (ESRCH)", got)
	}
}

func TestStatsnoopTool(t *testing.T) {
	requireRoot(t)
	file := filepath.Join(t.TempDir(), "statted")
	os.WriteFile(file, nil, 0o644)
	missing := file + ".missing"
	r := luatrace(t, "-c", "/usr/bin/stat --printf= "+file+" "+missing, "statsnoop")
	rs := rows(t, r, "PID ")
	if got := matching(rs, -1, file); len(got) == 0 || got[0][1] != "stat" || got[0][2] != "0" {
		t.Errorf("stat of %s: %q, want comm stat and err 0\n%s", file, got, r.stdout)
	}
	if got := matching(rs, -1, missing); len(got) == 0 || got[0][2] != "2" {
		t.Errorf("stat of %s: %q, want err 2 (ENOENT)", missing, got)
	}
}

func TestSetuidsTool(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-c", bin(t, "setuids"), "setuids").expectOK(t)
	var got []string
	for _, row := range rows(t, r, "TIME ") {
		got = append(got, strings.Join(row[2:], " "))
	}
	want := []string{
		"setuids 0 setfsuid uid=1234 (0)",
		"setuids 0 setfsuid uid=0 (1234)",
		"setuids 0 setreuid ruid=-1 euid=0 (0)",
		"setuids 0 setresuid ruid=-1 euid=65534 suid=-1 (0)",
		"setuids 0 setresuid ruid=-1 euid=0 suid=-1 (0)",
		"setuids 0 setuid uid=65534 (0)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestNaptimeTool(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-c", "/bin/sleep 0.25", "naptime").expectOK(t)
	// Before its exec the child is still called luatrace and may nap 0 s.
	rs := matching(rows(t, r, "TIME "), 4, "sleep")
	if len(rs) != 1 || rs[0][2] != "luatrace" || rs[0][4] != "sleep" || rs[0][5] != "0.250" {
		t.Errorf("rows %q, want one sleep of 0.250 s whose parent is luatrace\n%s", rs, r.stdout)
	}
}

func TestPidpersecTool(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-c", bin(t, "forks")+" 25", "pidpersec").expectOK(t)
	total := 0
	for _, l := range r.lines()[1:] {
		var hms string
		var n int
		if _, err := fmt.Sscanf(l, "%s PIDs/sec: %d", &hms, &n); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		total += n
	}
	if total != 25 {
		t.Errorf("counted %d forks, want 25:\n%s", total, r.stdout)
	}
}

func TestVfsstatTool(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-c", bin(t, "reads")+" 100 300", "vfsstat").expectOK(t)
	reads := 0
	for _, row := range rows(t, r, "TIME ") {
		n, _ := strconv.Atoi(row[1])
		reads += n
	}
	// The dynamic loader reads the C library's header once more.
	if reads < 300 || reads > 305 {
		t.Errorf("%d reads counted, want 300 and a few of start-up:\n%s", reads, r.stdout)
	}
}

func TestGethostlatencyTool(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-c", bin(t, "lookup")+" localhost 3", "gethostlatency").expectOK(t)
	rs := rows(t, r, "TIME ")
	if len(rs) != 3 {
		t.Fatalf("want 3 lookups:\n%s", r.stdout)
	}
	for _, row := range rs {
		ms, err := strconv.ParseFloat(row[3], 64)
		if row[2] != "lookup" || row[4] != "localhost" || err != nil || ms < 0 || ms > 10000 {
			t.Errorf("row %q, want comm lookup, a latency in ms and host localhost", row)
		}
	}
}

func TestCapableTool(t *testing.T) {
	requireRoot(t)
	file := filepath.Join(t.TempDir(), "owned")
	os.WriteFile(file, nil, 0o644)
	r := luatrace(t, "-c", "/bin/chown 1:1 "+file, "capable").expectOK(t)
	got := matching(rows(t, r, "TIME "), 5, "CAP_CHOWN")
	if len(got) == 0 || got[0][3] != "chown" || got[0][4] != "0" {
		t.Errorf("no CAP_CHOWN check by chown:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
}

// TestOomkillTool runs a memory hog in a cgroup limited to 32 MiB: the
// OOM killer kills it, and oomkill names it as trigger and victim.
func TestOomkillTool(t *testing.T) {
	requireRoot(t)
	procs := memoryCgroup(t, 32<<20)
	hog := bin(t, "hog")
	r := luatrace(t, "-c", fmt.Sprintf(`/bin/sh -c "echo \$\$ > %s && exec %s 512"`, procs, hog), "oomkill")
	var line string
	for _, l := range r.lines() {
		if strings.Contains(l, "Triggered by") {
			line = l
		}
	}
	var hms string
	var trigger, victim int
	var tcomm, vcomm string
	_, err := fmt.Sscanf(line, "%s Triggered by PID %d (%q), OOM kill of PID %d (%q),", &hms, &trigger, &tcomm, &victim, &vcomm)
	if err != nil || trigger != victim || tcomm != "hog" || vcomm != "hog" {
		t.Errorf("line %q (%v), want hog killing itself\nstderr:\n%s", line, err, r.stderr)
	}
}

// memoryCgroup makes a cgroup with a memory limit (v2 or v1) and returns
// its cgroup.procs file.
func memoryCgroup(t *testing.T, limit int) string {
	t.Helper()
	dir, limitFile := "/sys/fs/cgroup/luatrace-oom-test", "memory.max"
	if ctl, err := os.ReadFile("/sys/fs/cgroup/cgroup.controllers"); err != nil || !strings.Contains(string(ctl), "memory") {
		dir, limitFile = "/sys/fs/cgroup/memory/luatrace-oom-test", "memory.limit_in_bytes"
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
		t.Fatalf("create a memory cgroup: %v", err)
	}
	t.Cleanup(func() { os.Remove(dir) })
	if err := os.WriteFile(filepath.Join(dir, limitFile), []byte(strconv.Itoa(limit)), 0o644); err != nil {
		t.Fatalf("limit the cgroup's memory: %v", err)
	}
	return filepath.Join(dir, "cgroup.procs")
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

// TestWritebackTool: writing a file and syncing it shows a writeback of
// the file's device for reason sync, with at least the pages written.
func TestWritebackTool(t *testing.T) {
	requireRoot(t)
	dir, err := os.MkdirTemp("/var/tmp", "luatrace-writeback-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	var st syscall.Stat_t
	syscall.Stat(dir, &st)
	device := fmt.Sprintf("%d:%d", unix.Major(st.Dev), unix.Minor(st.Dev))

	lines, stderr := startTool(t, "writeback", "-d", "20")
	const pages = 2048 // 8 MiB
	if err := os.WriteFile(filepath.Join(dir, "data"), make([]byte, pages*4096), 0o644); err != nil {
		t.Fatal(err)
	}
	syscall.Sync()
	written := 0
	deadline := time.Now().Add(15 * time.Second)
	for written < pages && time.Now().Before(deadline) && lines.Scan() {
		f := strings.Fields(lines.Text())
		if len(f) == 5 && f[1] == device && f[3] == "sync" {
			n, _ := strconv.Atoi(f[2])
			written += n
		}
	}
	if written < pages {
		t.Errorf("saw %d pages written back on %s for sync, want at least %d\nstderr:\n%s", written, device, pages, stderr.String())
	}
}

// TestBashreadlineTool types a command into an interactive bash on a
// terminal; bashreadline prints it with bash's pid.
func TestBashreadlineTool(t *testing.T) {
	requireRoot(t)
	lines, stderr := startTool(t, "bashreadline", "-d", "20")
	master, slave := openPTY(t)
	term := newTerminal(t, master)
	bash := exec.Command("/bin/bash", "--norc", "--noprofile", "-i")
	bash.Stdin, bash.Stdout, bash.Stderr = slave, slave, slave
	bash.Env = []string{"PS1=lt$ ", "TERM=dumb", "HOME=/"}
	bash.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := bash.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { bash.Process.Kill(); bash.Wait() }()
	term.expect("lt$ ", 10*time.Second)
	term.typeText("echo lt-readline-42\r")
	term.expect("lt-readline-42", 10*time.Second)
	want := fmt.Sprintf("%d echo lt-readline-42", bash.Process.Pid)
	for lines.Scan() {
		if f := strings.Fields(lines.Text()); len(f) >= 2 && strings.Join(f[1:], " ") == want {
			return
		}
	}
	t.Errorf("bashreadline never printed %q\nstderr:\n%s", want, stderr.String())
}

// TestTraceTool: a probe with a kernel filter, a format and two captured
// expressions; only the workload's opens of the named file are printed.
func TestTraceTool(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-c", bin(t, "openat")+" /etc/hostname 3", "trace",
		`tracepoint:syscalls:sys_enter_openat (str(args.filename) == "/etc/hostname") "%s dfd=%d", str(args.filename), args.dfd`).expectOK(t)
	lines := r.lines()
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "PID ") {
		t.Fatalf("output:\n%s", r.stdout)
	}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) != 6 || f[2] != "openat" || f[3] != "sys_enter_openat" || f[4] != "/etc/hostname" || f[5] != "dfd=-100" {
			t.Errorf("line %q", l)
		}
	}
	if r := luatrace(t, "trace", `tracepoint:syscalls:sys_enter_openat %s`); r.code != 2 || !strings.Contains(r.stderr, "the format must be a \"quoted\" string") {
		t.Errorf("bad format: exit %d, %s", r.code, r.stderr)
	}
}
