package main

import "strings"

// report is what the guest's init printed between its markers.
type report struct {
	kernel string
	tests  []testResult
	dmesg  string
	done   bool
}

type testResult struct {
	name, status, took, output string
}

func (r report) failures() int {
	n := 0
	for _, t := range r.tests {
		if t.status != "PASS" {
			n++
		}
	}
	return n
}

// parseConsole reads the VM's serial console: "VMTEST BEGIN name", the
// test's output (shown only on failure), "VMTEST PASS|FAIL name time".
func parseConsole(s string) report {
	var r report
	var cur *testResult
	var out, dmesg []string
	inDmesg := false
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r", ""), "\n") {
		// Console escape sequences may precede a marker on its line.
		if i := strings.Index(line, "VMTEST "); i >= 0 {
			line = line[i:]
		}
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "VMTEST" {
			switch f[1] {
			case "KERNEL":
				r.kernel = strings.Join(f[2:], " ")
			case "BEGIN":
				cur, out = &testResult{name: strings.Join(f[2:], " "), status: "LOST"}, nil
				r.tests = append(r.tests, *cur)
			case "PASS", "FAIL":
				if cur != nil && len(f) >= 3 {
					t := &r.tests[len(r.tests)-1]
					t.status, t.output = f[1], strings.Join(out, "\n")
					if len(f) >= 4 {
						t.took = f[3]
					}
				}
				cur = nil
			case "DMESG":
				inDmesg = true
			case "DONE":
				r.done, inDmesg = true, false
			}
			continue
		}
		switch {
		case inDmesg:
			dmesg = append(dmesg, line)
		case cur != nil:
			out = append(out, line)
		}
	}
	// A test that started but never reported (the VM died) keeps its output.
	if cur != nil && len(r.tests) > 0 {
		r.tests[len(r.tests)-1].output = strings.Join(out, "\n")
	}
	r.dmesg = strings.Join(dmesg, "\n")
	return r
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
