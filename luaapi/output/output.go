// Package output is luatrace's single writer: every printf, print and
// emit goes through one Writer, as text or as JSON lines.
//
// JSON mode writes one record per line, {"type": T, "data": D}, with the
// spacing bpftrace uses for its NDJSON output so existing parsers carry
// over. printf and print records hold the formatted text as a string;
// emit records hold an object; map records are laid out by their maker.
package output

import (
	"bufio"
	"io"
)

// Mode selects the output format.
type Mode int

// The output formats.
const (
	Text Mode = iota // as the script printed it
	JSON             // one JSON record per line
)

// bufferSize is large enough that a burst of events costs few writes; the
// runtime flushes whenever it goes idle.
const bufferSize = 64 << 10

// Writer buffers and formats output. It is not safe for concurrent use:
// only the goroutine that owns the Lua state writes.
type Writer struct {
	w      *bufio.Writer
	mode   Mode
	err    error
	widths map[string]int // text emit: widest value seen per key
	tmp    []byte
}

// New returns a Writer on w.
func New(w io.Writer, mode Mode) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, bufferSize), mode: mode, widths: map[string]int{}}
}

// Redirect sends what is written from now on to dst, after flushing what
// is buffered to the old destination. The REPL uses it to show output
// between prompts through its console.
func (w *Writer) Redirect(dst io.Writer) {
	w.Flush()
	w.w.Reset(dst)
}

// Printf writes the output of one printf call.
func (w *Writer) Printf(b []byte) { w.text("printf", b) }

// Print writes the output of one print call.
func (w *Writer) Print(b []byte) { w.text("print", b) }

func (w *Writer) text(typ string, b []byte) {
	if w.mode == Text {
		w.write(b)
		return
	}
	w.tmp = append(w.tmp[:0], `{"type": "`...)
	w.tmp = append(w.tmp, typ...)
	w.tmp = append(w.tmp, `", "data": `...)
	w.tmp = AppendString(w.tmp, b)
	w.tmp = append(w.tmp, "}\n"...)
	w.write(w.tmp)
}

// Record writes one JSON record whose data is already encoded: a map's
// record, which the map package lays out as bpftrace does. In text mode
// it writes data and a newline.
func (w *Writer) Record(typ string, data []byte) {
	if w.mode == Text {
		w.write(append(append(w.tmp[:0], data...), '\n'))
		return
	}
	w.tmp = append(w.tmp[:0], `{"type": `...)
	w.tmp = AppendString(w.tmp, []byte(typ))
	w.tmp = append(w.tmp, `, "data": `...)
	w.tmp = append(w.tmp, data...)
	w.tmp = append(w.tmp, "}\n"...)
	w.write(w.tmp)
}

func (w *Writer) write(b []byte) {
	if w.err != nil {
		return
	}
	_, w.err = w.w.Write(b)
}

// Flush writes buffered output and returns the first error any write met.
func (w *Writer) Flush() error {
	if w.err == nil {
		w.err = w.w.Flush()
	}
	return w.err
}

// JSON reports whether output is JSON lines.
func (w *Writer) JSON() bool { return w.mode != Text }
