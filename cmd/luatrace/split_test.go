package main

import (
	"reflect"
	"testing"
)

func TestSplitCommand(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		bad  bool
	}{
		{in: "ls -l /tmp", want: []string{"ls", "-l", "/tmp"}},
		{in: "  echo   'a b'  \"c d\" ", want: []string{"echo", "a b", "c d"}},
		{in: `printf "%s\n" x\ y`, want: []string{"printf", `%s\n`, "x y"}},
		{in: `sh -c "echo \"hi\""`, want: []string{"sh", "-c", `echo "hi"`}},
		{in: `a ''`, want: []string{"a", ""}},
		{in: "echo 'oops", bad: true},
		{in: "   ", bad: true},
	}
	for _, tc := range tests {
		got, err := splitCommand(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("splitCommand(%q) = %q, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("splitCommand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
