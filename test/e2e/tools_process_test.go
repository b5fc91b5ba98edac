package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

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
