package output

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// TestStallable: writes pass through while the reader reads; after the
// stop, a write the reader does not take is given up (and every later one
// fails at once), while one it takes still goes through.
func TestStallable(t *testing.T) {
	t.Run("reader reads", func(t *testing.T) {
		var b bytes.Buffer
		stop := make(chan struct{})
		w := Stallable(&b, stop)
		w.Write([]byte("before "))
		close(stop)
		if _, err := w.Write([]byte("after")); err != nil || b.String() != "before after" {
			t.Errorf("got %q, %v", b.String(), err)
		}
	})
	t.Run("reader stalled", func(t *testing.T) {
		r, pw := io.Pipe() // nobody reads r
		defer r.Close()
		stop := make(chan struct{})
		w := Stallable(pw, stop)
		done := make(chan error)
		go func() {
			_, err := w.Write([]byte("never read"))
			done <- err
		}()
		close(stop)
		if err := <-done; !errors.Is(err, ErrStalled) {
			t.Fatalf("blocked write after the stop: %v, want ErrStalled", err)
		}
		if _, err := w.Write([]byte("later")); !errors.Is(err, ErrStalled) {
			t.Errorf("write after giving up: %v, want ErrStalled", err)
		}
	})
	t.Run("slow reader before the stop", func(t *testing.T) {
		r, pw := io.Pipe()
		w := Stallable(pw, make(chan struct{}))
		got := make(chan []byte)
		go func() { b, _ := io.ReadAll(r); got <- b }()
		for _, s := range []string{"a", "b", "c"} {
			if _, err := w.Write([]byte(s)); err != nil {
				t.Fatal(err)
			}
		}
		pw.Close()
		if b := <-got; string(b) != "abc" {
			t.Errorf("read %q", b)
		}
	})
}
