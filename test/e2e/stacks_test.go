package e2e

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/luatrace/luatrace/test/testenv"
)

// gccWorkload builds test/workloads/NAME.c with flags (the shared build
// uses frame pointers; these tests want what distributions ship).
func gccWorkload(t *testing.T, name string, flags ...string) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), name)
	src := filepath.Join(testenv.RepoRoot(), "test", "workloads", name+".c")
	args := append(append([]string{}, flags...), "-o", exe, src)
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", src, err, out)
	}
	return exe
}

// qsortNoFP is qsortcmp as distributions build: -O2, no frame pointers,
// CFI in .eh_frame only.
func qsortNoFP(t *testing.T) string {
	t.Helper()
	return gccWorkload(t, "qsortcmp", "-O2", "-fomit-frame-pointer")
}

// folded parses "frame;...;frame count" lines.
func folded(t *testing.T, r result) (stacks []string, counts []int, total int) {
	t.Helper()
	for _, line := range r.lines() {
		i := strings.LastIndexByte(line, ' ')
		n, err := strconv.Atoi(line[i+1:])
		if i < 0 || err != nil {
			t.Fatalf("line %q is not \"frames count\":\n%s\nstderr:\n%s", line, r.stdout, r.stderr)
		}
		stacks, counts, total = append(stacks, line[:i]), append(counts, n), total+n
	}
	return stacks, counts, total
}

// The whole user stack of the hot function: cmp called from inside libc's
// qsort (qsort_r and msort_with_tmp frames, which have no frame pointers
// either), called by work, main and libc's start code.
var qsortFullStack = regexp.MustCompile(`^qsortcmp;(_start;)?__libc_start_main;__libc_start_call_main;main;work;qsort_r;(msort_with_tmp[^;]*;)+cmp$`)

// TestProfileCallGraph: on qsortcmp built -O2 -fomit-frame-pointer,
// profile --call-graph dwarf unwinds most samples from cmp through libc's
// qsort frames, work and main to __libc_start_call_main; --call-graph fp
// (the kernel's frame-pointer walk) gets no further than the leaf: cmp
// samples are "qsortcmp;cmp" alone.
func TestProfileCallGraph(t *testing.T) {
	requireRoot(t)
	exe := qsortNoFP(t)

	r := luatrace(t, "-c", exe+" 1500", "profile", "--call-graph", "dwarf", "-U", "-F", "99", "-f").expectOK(t)
	stacks, counts, total := folded(t, r)
	full := 0
	for i, s := range stacks {
		if qsortFullStack.MatchString(s) {
			full += counts[i]
		}
	}
	if total < 5 || 2*full <= total {
		t.Errorf("dwarf: %d of %d samples have the full stack of cmp, want most:\n%s\nstderr:\n%s", full, total, r.stdout, r.stderr)
	}

	r = luatrace(t, "-c", exe+" 1500", "profile", "--call-graph", "fp", "-U", "-F", "99", "-f").expectOK(t)
	stacks, counts, total = folded(t, r)
	leaf, deeper := 0, 0
	for i, s := range stacks {
		switch {
		case s == "qsortcmp;cmp":
			leaf += counts[i]
		case strings.HasSuffix(s, ";cmp"):
			deeper += counts[i]
		}
	}
	if total < 5 || 2*leaf <= total || deeper > 0 {
		t.Errorf("fp: %d of %d samples are the leaf cmp alone and %d cmp samples go deeper; want most the leaf alone, none deeper:\n%s", leaf, total, deeper, r.stdout)
	}
}

// TestUserStackAfterExit: a program that runs 50 ms, traced with a uprobe
// and user stacks whose callback waits until the process has exited
// before it reads them: both stacks are still symbolized, from the
// mappings luatrace read when the process was first seen.
func TestUserStackAfterExit(t *testing.T) {
	requireRoot(t)
	exe := qsortNoFP(t)
	script := `local proc, time = require("proc"), require("time")
local done = false
probe("uprobe:` + exe + `:work", {fields = {us = "ustack(dwarf)", fp = "ustack"}}, function(e)
  if done then return end
  done = true
  local deadline = time.now() + 10e9
  while proc.comm(e.pid) and time.now() < deadline do end
  printf("exited %s\n", tostring(proc.comm(e.pid) == nil))
  local names = {}
  for i = 1, #e.us do names[i] = e.us[i].sym or "?" end
  printf("dwarf %s\n", table.concat(names, ";"))
  printf("fp %s\n", e.fp[1].sym or "?")
end)`
	r := luatrace(t, "-c", exe+" 50", "-e", script).expectOK(t)
	want := regexp.MustCompile(`^exited true\ndwarf work;main;__libc_start_call_main;__libc_start_main;_start\nfp work\n$`)
	if !want.MatchString(r.stdout) {
		t.Errorf("stdout:\n%s\nwant it to match %s\nstderr:\n%s", r.stdout, want, r.stderr)
	}
}

// profileQsortTo profiles qsortcmp without frame pointers for 3 s with
// --call-graph dwarf into a file in format, and returns the file's path
// and bytes.
func profileQsortTo(t *testing.T, format string) (string, []byte) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "profile."+format)
	luatrace(t, "-o", out, "-c", qsortNoFP(t)+" 3000", "profile", "--call-graph", "dwarf", "-U", "-F", "99", "-f", format).expectOK(t)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return out, b
}

// TestProfilePprof: -f pprof writes a profile the pprof library parses and
// go tool pprof reads, whose hottest function is cmp.
func TestProfilePprof(t *testing.T) {
	requireRoot(t)
	out, b := profileQsortTo(t, "pprof")
	p, err := profile.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parse the profile: %v", err)
	}
	if len(p.SampleType) != 1 || p.SampleType[0].Type != "samples" || p.PeriodType == nil || p.PeriodType.Unit != "nanoseconds" {
		t.Errorf("sample type %v period type %v, want samples/count every cpu nanoseconds", p.SampleType, p.PeriodType)
	}
	flat := map[string]int64{}
	var total int64
	for _, s := range p.Sample {
		flat[s.Location[0].Line[0].Function.Name] += s.Value[0]
		total += s.Value[0]
	}
	top, topN := "", int64(0)
	for fn, n := range flat {
		if n > topN {
			top, topN = fn, n
		}
	}
	if top != "cmp" || total < 5 {
		t.Errorf("hottest function %q with %d of %d samples, want cmp: %v", top, topN, total, flat)
	}

	cmd := exec.Command("go", "tool", "pprof", "-top", out)
	cmd.Dir = testenv.RepoRoot()
	text, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go tool pprof -top: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	// The first row after the header is the hottest function.
	_, rows, _ := strings.Cut(string(text), "flat  flat%   sum%        cum   cum%\n")
	first, _, _ := strings.Cut(rows, "\n")
	if f := strings.Fields(first); len(f) != 6 || f[5] != "cmp" {
		t.Errorf("go tool pprof -top's first row %q, want cmp:\n%s", first, text)
	}
}

// TestProfileFlameGraph: -f svg writes one well-formed SVG document with a
// frame for the hot function and nothing to fetch.
func TestProfileFlameGraph(t *testing.T) {
	requireRoot(t)
	_, b := profileQsortTo(t, "svg")
	d := xml.NewDecoder(bytes.NewReader(b))
	var root string
	titles := map[string]bool{}
	inTitle := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("flame graph is not well-formed XML: %v\n%s", err, b)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = x.Name.Local
			}
			inTitle = x.Name.Local == "title"
		case xml.CharData:
			if inTitle {
				name, _, _ := strings.Cut(string(x), " (")
				titles[name] = true
			}
		case xml.EndElement:
			inTitle = false
		}
	}
	if root != "svg" || !titles["cmp"] || !titles["main"] || !titles["all"] {
		t.Errorf("root element %q, frames %v; want an svg with all, main and cmp", root, titles)
	}
	if bytes.Contains(b, []byte("<script")) || bytes.Contains(b, []byte("href")) {
		t.Errorf("the flame graph refers to other files or runs scripts")
	}
}

// TestCallGraphTools: stackcount, trace and offcputime take
// --call-graph dwarf, and unwind user stacks through code without frame
// pointers, and --call-graph buildid, and name the kernel's build-id
// frames of a program built with frame pointers (up to libc's start code,
// built without them).
func TestCallGraphTools(t *testing.T) {
	requireRoot(t)
	tests := []struct {
		mode string
		exe  string
		// stackcount's stacks of work, all called from main.
		fromMain *regexp.Regexp
	}{
		{"dwarf", qsortNoFP(t), regexp.MustCompile(`^qsortcmp;(_start;)?__libc_start_main;__libc_start_call_main;main;work$`)},
		{"buildid", gccWorkload(t, "qsortcmp", "-O2", "-fno-omit-frame-pointer"), regexp.MustCompile(`^qsortcmp;(.*;)?__libc_start_call_main;main;work$`)},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			exe := tt.exe
			// stackcount -U: every call of work comes from main.
			r := luatrace(t, "-c", exe+" 200", "stackcount", "-U", "-P", "-f", "--call-graph", tt.mode, "uprobe:"+exe+":work").expectOK(t)
			stacks, _, total := folded(t, r)
			for _, s := range stacks {
				if !tt.fromMain.MatchString(s) {
					t.Errorf("stackcount: stack %q, want work called from main", s)
				}
			}
			if total == 0 {
				t.Errorf("stackcount counted no call of work:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			}

			// trace: the user stack under each line.
			r = luatrace(t, "-c", exe+" 200", "trace", "-M", "2", "--call-graph", tt.mode, `uprobe:`+exe+`:work "seed %d", arg0`).expectOK(t)
			if !regexp.MustCompile(`(?m)work +seed 1\n    work\+0\n    main\+\d+\n    __libc_start_call_main\+\d+\n`).MatchString(r.stdout) {
				t.Errorf("trace --call-graph %s:\n%s", tt.mode, r.stdout)
			}

			// offcputime: the user stack of each nap under its kernel
			// stack (with build-id frames, libc's nanosleep: frame
			// pointers end there). It ends by itself (-d) rather than by a
			// Ctrl-C, whose half-second grace a loaded machine may spend
			// parsing libc's CFI for the first stack.
			work, pid, release := startHeld(t, "bursts", "10", "0", "20")
			l := startLive(t, "Tracing off-CPU", "offcputime", "--call-graph", tt.mode, "-p", strconv.Itoa(pid), "-d", "3")
			release()
			if err := work.Wait(); err != nil {
				t.Fatalf("bursts: %v", err)
			}
			text := strings.Join(l.wait(t), "\n")
			nap := `    schedule\n(?:    .*\n)*    --\n    (?:__)?(?:clock_)?nanosleep\n`
			if tt.mode == "dwarf" {
				nap += `(?:    .*\n)*    main\n`
			}
			if !regexp.MustCompile(nap).MatchString(text) {
				t.Errorf("offcputime --call-graph %s: no nap with its user stack:\n%s\nstderr:\n%s", tt.mode, text, l.stderr.String())
			}
		})
	}
}
