package luaapi

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Long attaches of many targets show how far they have come on stderr,
// from progressDelay on: on a terminal one line rewritten in place every
// progressTerminal, elsewhere a line every progressLog.
const (
	progressMin      = 64 // targets; fewer are quick or slow for other reasons
	progressDelay    = time.Second
	progressTerminal = 200 * time.Millisecond
	progressLog      = 5 * time.Second
)

// attachProgress reports the progress of one attach at a time.
type attachProgress struct {
	w        io.Writer
	terminal bool
	now      func() time.Time
	start    time.Time
	last     time.Time
	shown    bool
}

func newAttachProgress(w io.Writer) *attachProgress {
	p := &attachProgress{w: w, now: time.Now}
	if f, ok := w.(*os.File); ok {
		_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
		p.terminal = err == nil
	}
	return p
}

// begin starts timing an attach.
func (p *attachProgress) begin() {
	p.start, p.last, p.shown = p.now(), time.Time{}, false
}

// update hears that done of total targets are attached.
func (p *attachProgress) update(done, total int) {
	now := p.now()
	every := progressLog
	if p.terminal {
		every = progressTerminal
	}
	if total < progressMin || now.Sub(p.start) < progressDelay || now.Sub(p.last) < every {
		return
	}
	p.last, p.shown = now, true
	if p.terminal {
		fmt.Fprintf(p.w, "\rluatrace: attaching %d probes: %d done", total, done)
		return
	}
	fmt.Fprintf(p.w, "luatrace: attaching %d probes: %d done\n", total, done)
}

// end clears the progress line from a terminal.
func (p *attachProgress) end() {
	if p.shown && p.terminal {
		fmt.Fprint(p.w, "\r\033[K")
	}
	p.shown = false
}
