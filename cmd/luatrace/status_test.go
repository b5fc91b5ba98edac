package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestExitStatus: the status follows the kind of error (diag.ExitStatus),
// and the message is one line on stderr. None of these needs privileges.
func TestExitStatus(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"ok", []string{"-e", "print(1)"}, 0, ""},
		{"exit code", []string{"-e", "exit(3)"}, 3, ""},
		{"unknown flag", []string{"-bogus"}, 2, "luatrace: unknown option -bogus (see luatrace -h)\n"},
		{"bad format", []string{"-f", "xml", "-e", "print(1)"}, 2, `luatrace: unknown output format "xml" for -f (use text or json)` + "\n"},
		{"missing script", []string{"/no/such/script.lua"}, 2, "luatrace: cannot read script /no/such/script.lua"},
		{"syntax", []string{"-e", "x = ("}, 2, "luatrace: -e:1:"},
		{"top-level error", []string{"-e", `error("boom")`}, 2, "luatrace: -e:1: boom\n"},
		{"doc arguments", []string{"doc", "a", "b"}, 2, "luatrace: doc takes one module name, e.g. luatrace doc fmt\n"},
		{"-l arguments", []string{"-l", "a", "b"}, 2, "luatrace: -l takes one pattern; quote it so the shell does not expand it\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			status := run(tc.args, &stdout, &stderr)
			if status != tc.status || !strings.HasPrefix(stderr.String(), tc.stderr) || (tc.stderr == "") != (stderr.Len() == 0) {
				t.Errorf("status %d, stderr %q; want %d, %q", status, stderr.String(), tc.status, tc.stderr)
			}
		})
	}
}
