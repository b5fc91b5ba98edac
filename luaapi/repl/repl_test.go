package repl

import (
	"bytes"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestInput: lines gather until the chunk is complete; an expression
// returns its values, a leading local becomes a global.
func TestInput(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  string // what the chunk returns, tostring'd; "" for none
		err   string
	}{
		{"expression", []string{"1 + 1"}, "2", ""},
		{"equals form", []string{"=6 * 7"}, "42", ""},
		{"multi-line", []string{"function f(a)", "return a * 3", "end", "f(5)"}, "15", ""},
		{"local becomes global", []string{"local x = 4", "x"}, "4", ""},
		{"blank", []string{"   "}, "", ""},
		{"syntax error", []string{"x = = 1"}, "", "syntax error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			L := lua.NewState()
			defer L.Close()
			var in Input
			got := ""
			for i, line := range tc.lines {
				fn, src, err := in.Add(L, line)
				if err != nil {
					if tc.err == "" || !strings.Contains(err.Error(), tc.err) || src != line {
						t.Fatalf("line %d: error %v (source %q), want %q", i, err, src, tc.err)
					}
					return
				}
				if fn == nil {
					continue
				}
				L.Push(fn)
				if err := L.PCall(0, 1, nil); err != nil {
					t.Fatal(err)
				}
				got = L.Get(-1).String()
				L.Pop(1)
			}
			if in.Pending() {
				t.Errorf("a chunk is still pending after %q", tc.lines)
			}
			if tc.err != "" || (tc.want != "" && got != tc.want) {
				t.Errorf("result %q, want %q (error %q)", got, tc.want, tc.err)
			}
		})
	}
}

// TestSinkQueuesWhileThePromptIsOpen: output waits while queuing, is
// framed when drained, and what exceeds QueueBytes is counted, not kept.
func TestSinkQueuesWhileThePromptIsOpen(t *testing.T) {
	var w bytes.Buffer
	s := NewSink(&w)
	s.Write([]byte("direct\n"))
	s.SetQueuing(true)
	s.Write([]byte("queued"))
	s.Write(make([]byte, QueueBytes))
	if w.String() != "direct\n" {
		t.Fatalf("wrote %q while queuing", w.String())
	}
	s.SetQueuing(false)
	s.Drain()
	out := w.String()
	if !strings.HasPrefix(out, "direct\n--- probe output ---\nqueued") || !strings.Contains(out, "--- 6 bytes of probe output dropped") || !strings.HasSuffix(out, "---\n") {
		t.Errorf("drained %q...%q", out[:min(len(out), 60)], out[max(0, len(out)-120):])
	}
}
