package e2e

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/luatrace/luatrace/test/testenv"
)

// oneLiner is a command of docs/one-liners.md: its lesson and its text.
type oneLiner struct {
	lesson int
	cmd    string
}

// readOneLiners returns the bpftrace and luatrace commands of the page:
// lines starting with the tool's name inside ```sh blocks, by lesson
// (the "## N." heading above them).
func readOneLiners(t *testing.T) (bpftrace, luatrace []oneLiner, text string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "docs", "one-liners.md"))
	if err != nil {
		t.Fatal(err)
	}
	heading := regexp.MustCompile(`^## (\d+)\. `)
	lesson, inSh := 0, false
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case heading.MatchString(line):
			lesson, _ = strconv.Atoi(heading.FindStringSubmatch(line)[1])
		case strings.HasPrefix(line, "```"):
			inSh = line == "```sh"
		case inSh && strings.HasPrefix(line, "bpftrace "):
			bpftrace = append(bpftrace, oneLiner{lesson, line})
		case inSh && strings.HasPrefix(line, "luatrace "):
			luatrace = append(luatrace, oneLiner{lesson, line})
		}
	}
	return bpftrace, luatrace, string(b)
}

// lessonRun is how the test runs a lesson's luatrace commands and what
// their output must show: workload is started with -c in front of the
// command's arguments ("" runs the command as written); {tmp} is a
// temporary folder.
type lessonRun struct {
	workload string
	want     string // a regular expression over stdout
}

var lessonRuns = map[int]lessonRun{
	1:  {"", `(?m)^tracepoint:syscalls:sys_enter_openat$`},
	2:  {"", `^hello world\n$`},
	3:  {"openat /etc/hostname 3", `(?m)(^openat /etc/hostname\n){3}`},
	4:  {"getppid_loop 5000", `(?m)^@\[getppid_loop\]: [5-9]\d{3}$`},
	5:  {"reads 4096 100", `(?m)^@bytes: \n(.*\n)*\[4K, 8K\)\s+100 \|@+\|$`},
	6:  {"reads 512 100", `(?m)^@bytes: \n(.*\n)*\[400, 600\)\s+100 \|@+\s*\|$`},
	7:  {"reads 512 100", `(?m)^@ns\[reads\]: \n\[\d+K?, \d+K?\)\s+\d+ \|`},
	8:  {"forks 5", `(?m)^@\[tracepoint:sched:sched_process_fork\]: 5$`},
	9:  {"getppid_loop 3000000", `(?m)^@\[\n(    \S+\+\d+\n)*    do_syscall_64\+\d+\n`},
	10: {"naps 5 10", `(?m)^@\[\n(    \S+\+\d+\n)*    __schedule\+\d+\n`},
	11: {"dd if=/dev/zero of={tmp}/dd bs=64k count=16 oflag=direct", `(?m)^@: \n(.*\n)*\[64K, 128K\)\s+1[6-9] \|@+\|$`},
	12: {"openat /etc/hostname 1", `(?m)^exec: \S*openat$`},
}

// TestOneLinersPage runs every luatrace command of docs/one-liners.md, each
// bounded by a workload under -c (-p 18644 gives way to it), and checks its
// output; kprobe forms, which this kernel may lack, must then fail saying
// so (guest test 42 runs them). It also recounts the page's lengths.
func TestOneLinersPage(t *testing.T) {
	requireRoot(t)
	bt, lt, page := readOneLiners(t)
	for _, c := range lt {
		run, ok := lessonRuns[c.lesson]
		if !ok {
			t.Errorf("lesson %d: no way to run %q", c.lesson, c.cmd)
			continue
		}
		t.Run(fmt.Sprintf("%d", c.lesson), func(t *testing.T) {
			args := strings.TrimPrefix(c.cmd, "luatrace ")
			if run.workload != "" {
				wl := strings.ReplaceAll(run.workload, "{tmp}", t.TempDir())
				if w := strings.Fields(wl)[0]; w != "dd" {
					wl = bin(t, w) + wl[len(w):]
				}
				args = "-c '" + wl + "' " + strings.Replace(args, "-p 18644 ", "", 1)
			}
			// Through sh, as a user's shell would split it.
			r := runBounded(t, t.TempDir(), nil, "sh", "-c", bin(t, "luatrace")+" "+args)
			out, stderr, code := r.stdout, r.stderr, r.code
			kprobe := strings.Contains(c.cmd, "kprobe:") || strings.Contains(c.cmd, "kretprobe:")
			if kprobe && code != 0 && strings.Contains(stderr, "it has no kprobe support") {
				return // run in the VM: test/vm/guest/tests/42_one_liners.sh
			}
			if code != 0 {
				t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", c.cmd, code, out, stderr)
			}
			if !regexp.MustCompile(run.want).MatchString(out) {
				t.Errorf("%s: output does not match %s:\n%s\nstderr:\n%s", c.cmd, run.want, out, stderr)
			}
		})
	}

	// The page's lengths: the first command of each tool in each lesson.
	first := func(cmds []oneLiner) (int, map[int]bool) {
		seen, n := map[int]bool{}, 0
		for _, c := range cmds {
			if !seen[c.lesson] {
				seen[c.lesson] = true
				n += len(c.cmd)
			}
		}
		return n, seen
	}
	btChars, btLessons := first(bt)
	ltChars, ltLessons := first(lt)
	if len(btLessons) != 12 || len(ltLessons) != 12 {
		t.Errorf("lessons with a bpftrace command: %d, with a luatrace command: %d; want 12 of each", len(btLessons), len(ltLessons))
	}
	claim := fmt.Sprintf("bpftrace's commands take %d characters and luatrace's %d, %.2f times as many", btChars, ltChars, float64(ltChars)/float64(btChars))
	if !strings.Contains(strings.Join(strings.Fields(page), " "), claim) {
		t.Errorf("the page's Length section should say %q", claim)
	}
}
