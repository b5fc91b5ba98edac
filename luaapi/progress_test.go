package luaapi

import (
	"strings"
	"testing"
	"time"
)

// TestAttachProgress: quiet for the first second, then a line every few
// seconds (a line rewritten in place on a terminal), cleared at the end.
func TestAttachProgress(t *testing.T) {
	tests := []struct {
		terminal bool
		want     string
	}{
		// 200 at 1 s, then nothing until 5 s later: 400 at 6 s.
		{false, "luatrace: attaching 1000 probes: 200 done\nluatrace: attaching 1000 probes: 400 done\n"},
		{true, "\rluatrace: attaching 1000 probes: 200 done\rluatrace: attaching 1000 probes: 300 done" +
			"\rluatrace: attaching 1000 probes: 400 done\rluatrace: attaching 1000 probes: 500 done" +
			"\rluatrace: attaching 1000 probes: 600 done\rluatrace: attaching 1000 probes: 700 done" +
			"\rluatrace: attaching 1000 probes: 800 done\rluatrace: attaching 1000 probes: 900 done" +
			"\rluatrace: attaching 1000 probes: 1000 done\r\033[K"},
	}
	for _, tc := range tests {
		var b strings.Builder
		now := time.Unix(1000, 0)
		p := &attachProgress{w: &b, terminal: tc.terminal, now: func() time.Time { return now }}
		p.begin()
		// 100 targets every 500 ms, with a 4 s stall after 300.
		for done := 100; done <= 1000; done += 100 {
			now = now.Add(500 * time.Millisecond)
			p.update(done, 1000)
			if done == 300 {
				now = now.Add(4 * time.Second) // a slow stretch
			}
		}
		p.end()
		if b.String() != tc.want {
			t.Errorf("terminal=%v: %q, want %q", tc.terminal, b.String(), tc.want)
		}
	}
	// A few slow targets (a long verification) are not worth a line.
	var b strings.Builder
	now := time.Unix(1000, 0)
	p := &attachProgress{w: &b, now: func() time.Time { return now }}
	p.begin()
	now = now.Add(10 * time.Second)
	p.update(1, 2)
	if b.String() != "" {
		t.Errorf("progress for 2 targets: %q", b.String())
	}
}
