package recording

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// fileSink owns the files of a recording: it writes frames, rotates when
// a limit is reached and deletes files beyond MaxFiles. Only the writer's
// sink goroutine calls write.
type fileSink struct {
	path   string
	header Header
	opts   Options
	enc    *frameEncoder

	f        *os.File
	size     int64     // of the current file
	opened   time.Time // when the current file was opened
	data     bool      // the current file holds a block beyond its prologue
	events   uint64    // records in the current file
	sticky   []stickyItem
	stickyAt map[string]int
	invalid  uint64 // records refused, as of the last block

	mu     sync.Mutex // guards what counts and failed read
	err    error
	total  int64
	blocks int
	files  int
}

// FileName is the name of a recording's file number seq: path itself for
// 0, then path.1, path.2, ...
func FileName(path string, seq int) string {
	if seq == 0 {
		return path
	}
	return fmt.Sprintf("%s.%d", path, seq)
}

func createSink(path string, h Header, opts Options) (*fileSink, error) {
	enc, err := newFrameEncoder(opts.Level)
	if err != nil {
		return nil, err
	}
	s := &fileSink{path: path, header: h, opts: opts, enc: enc, stickyAt: map[string]int{}}
	if err := removeRotated(path); err != nil {
		return nil, err
	}
	if err := s.openFile(0); err != nil {
		return nil, err
	}
	return s, nil
}

// removeRotated deletes path.1, path.2, ... left by an earlier recording
// of the same name, so that they are not read as this one's. Only
// recordings are deleted.
func removeRotated(path string) error {
	for seq := 1; ; seq++ {
		name := FileName(path, seq)
		if !isRecording(name) {
			return nil
		}
		if err := os.Remove(name); err != nil {
			return fmt.Errorf("remove old recording file: %w", err)
		}
	}
}

func isRecording(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [fileHeaderSize]byte
	_, err = io.ReadFull(f, b[:])
	return err == nil && string(b[:len(Magic)]) == Magic
}

// openFile starts file number seq: the file header, then the recording
// header and the sticky items. It does not follow a symbolic link at the
// file's name.
func (s *fileSink) openFile(seq int) error {
	name := FileName(s.path, seq)
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|syscall.O_NOFOLLOW, 0o644)
	if errors.Is(err, unix.ELOOP) {
		return fmt.Errorf("recording file %s is a symbolic link; remove it or choose another name", name)
	}
	if err != nil {
		return fmt.Errorf("create recording file: %w", err)
	}
	s.f, s.size, s.opened, s.data, s.events = f, 0, time.Now(), false, 0
	s.header.Sequence = seq
	if err := s.writeRaw(appendFileHeader(nil)); err != nil {
		return err
	}
	hdr, err := json.Marshal(s.header)
	if err != nil {
		return fmt.Errorf("encode header: %w", err)
	}
	prologue := appendItem(nil, KindHeader, hdr)
	for _, it := range s.sticky {
		if len(prologue) > 0 && len(prologue)+itemHeaderSize+len(it.body) > s.opts.FlushBytes {
			if err := s.writeFrame(prologue); err != nil {
				return err
			}
			prologue = prologue[:0]
		}
		prologue = appendItem(prologue, it.kind, it.body)
	}
	if err := s.writeFrame(prologue); err != nil {
		return err
	}
	s.mu.Lock()
	s.files++
	s.mu.Unlock()
	if s.opts.MaxFiles > 0 && seq >= s.opts.MaxFiles {
		if err := os.Remove(FileName(s.path, seq-s.opts.MaxFiles)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove oldest recording file: %w", err)
		}
	}
	return nil
}

// write puts a sealed block in the file, rotating first when the block
// would pass a limit, and remembers its sticky items for later files.
func (s *fileSink) write(b block) error {
	if err := s.failed(); err != nil {
		return err
	}
	err := s.writeBlock(b)
	if err != nil {
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
	}
	return err
}

func (s *fileSink) writeBlock(b block) error {
	s.invalid = b.invalid
	if len(b.raw) > 0 {
		frame := s.enc.encode(b.raw)
		if s.rotateDue(int64(len(frame))) {
			frame = append([]byte(nil), frame...) // the new file's prologue reuses the encoder
			if err := s.rotate(); err != nil {
				return err
			}
		}
		if err := s.writeRaw(frame); err != nil {
			return err
		}
		s.countBlock()
		s.data = true
		s.events += b.events
		for _, it := range b.sticky {
			s.remember(it)
		}
	}
	if b.end {
		return s.finish(EndClosed, "")
	}
	return nil
}

// endReserve is room kept for the End item's frame (about 200 bytes).
const endReserve = 512

func (s *fileSink) rotateDue(frame int64) bool {
	if !s.data {
		return false
	}
	return s.opts.MaxSize > 0 && s.size+frame+endReserve > s.opts.MaxSize ||
		s.opts.MaxAge > 0 && time.Since(s.opened) >= s.opts.MaxAge
}

func (s *fileSink) rotate() error {
	next := s.header.Sequence + 1
	if err := s.finish(EndRotated, filepath.Base(FileName(s.path, next))); err != nil {
		return err
	}
	return s.openFile(next)
}

// finish writes the End item and closes the current file.
func (s *fileSink) finish(reason, next string) error {
	end := End{Time: monotonicNow(), Wall: time.Now().UTC(), Reason: reason, Next: next, Events: s.events, Invalid: s.invalid}
	body, err := json.Marshal(end)
	if err != nil {
		return fmt.Errorf("encode end item: %w", err)
	}
	if err := s.writeFrame(appendItem(nil, KindEnd, body)); err != nil {
		return err
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("write recording: %w", err)
	}
	if err := s.f.Close(); err != nil {
		return fmt.Errorf("write recording: %w", err)
	}
	return nil
}

func (s *fileSink) remember(it stickyItem) {
	if i, ok := s.stickyAt[it.key]; ok {
		s.sticky[i] = it
		return
	}
	s.stickyAt[it.key] = len(s.sticky)
	s.sticky = append(s.sticky, it)
}

func (s *fileSink) writeFrame(raw []byte) error {
	if err := s.writeRaw(s.enc.encode(raw)); err != nil {
		return err
	}
	s.countBlock()
	return nil
}

func (s *fileSink) writeRaw(b []byte) error {
	if _, err := s.f.Write(b); err != nil {
		return fmt.Errorf("write recording: %w", err)
	}
	if s.opts.Sync {
		if err := s.f.Sync(); err != nil {
			return fmt.Errorf("write recording: %w", err)
		}
	}
	s.size += int64(len(b))
	s.mu.Lock()
	s.total += int64(len(b))
	s.mu.Unlock()
	return nil
}

func (s *fileSink) countBlock() {
	s.mu.Lock()
	s.blocks++
	s.mu.Unlock()
}

func (s *fileSink) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *fileSink) counts() (bytes int64, blocks, files int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total, s.blocks, s.files
}

// monotonicNow is CLOCK_MONOTONIC in nanoseconds, the clock of records'
// timestamps.
func monotonicNow() uint64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0
	}
	return uint64(ts.Nano())
}
