package main

import (
	"encoding/base64"
	"regexp"
	"strings"
)

// report is what the guest's init printed between its markers.
type report struct {
	kernel string
	tests  []testResult
	dmesg  string
	done   bool
	// files are what guest tests exported (lib.sh's export_file), by
	// name: "VMTEST FILE name", base64 lines, "VMTEST ENDFILE".
	files map[string][]byte
}

// base64Line is a line of an exported file; other lines inside a file
// block are kernel messages that reached the console meanwhile.
var base64Line = regexp.MustCompile(`^[A-Za-z0-9+/=]+$`)

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
	r := report{files: map[string][]byte{}}
	var cur *testResult
	var out, dmesg []string
	inDmesg := false
	file, encoded := "", ""
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r", ""), "\n") {
		// Console escape sequences may precede a marker on its line.
		if i := strings.Index(line, "VMTEST "); i >= 0 {
			line = line[i:]
		}
		f := strings.Fields(line)
		if file != "" && !(len(f) == 2 && f[0] == "VMTEST" && f[1] == "ENDFILE") {
			if base64Line.MatchString(line) {
				encoded += line
			}
			continue
		}
		if len(f) >= 2 && f[0] == "VMTEST" {
			switch f[1] {
			case "FILE":
				if len(f) == 3 {
					file, encoded = f[2], ""
				}
			case "ENDFILE":
				if b, err := base64.StdEncoding.DecodeString(encoded); err == nil {
					r.files[file] = b
				}
				file = ""
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
