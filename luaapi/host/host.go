// Package host answers the questions a script asks the machine it runs
// on outside its events: the contents of a /proc or /sys file, a link's
// target, a kernel symbol, a kernel type. A live run asks the machine; a
// recording run also writes each answer to the recording, before the
// record whose callback asked; a replay serves the recorded answers and
// never asks the replaying machine, whose processes, disks and kernel are
// not the recorded ones.
package host

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"syscall"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/recording"
	"github.com/luatrace/luatrace/luaapi/diag"
)

// Host is where a script's questions go (owner goroutine only). The zero
// value asks the machine.
type Host struct {
	// record, when set, writes each new answer (a recording run).
	record func(recording.Answer)
	// written is the last answer written per question, so that asking
	// again with the same answer adds nothing to the recording.
	written map[string]recording.Answer
	// played, when set, holds the recorded answers read so far, the
	// latest per question (a replay); name is the recording's, for
	// messages.
	played map[string]recording.Answer
	name   string
}

// Recording is a host that also hands each answer to write.
func Recording(write func(recording.Answer)) *Host {
	return &Host{record: write, written: map[string]recording.Answer{}}
}

// Replaying is a host that answers from the recording called name, with
// the answers Learn gives it.
func Replaying(name string) *Host {
	return &Host{played: map[string]recording.Answer{}, name: name}
}

// Replaying reports whether h answers from a recording.
func (h *Host) Replaying() bool { return h.played != nil }

// Intercepts reports whether reads must go through h rather than straight
// to the machine: when recording or replaying.
func (h *Host) Intercepts() bool { return h.record != nil || h.played != nil }

// Learn takes in an answer as the replay reaches it in the recording: it
// answers that question from now on, until a later answer replaces it.
func (h *Host) Learn(a *recording.Answer) {
	if h.played != nil {
		h.played[key(a.Question, a.Arg)] = *a
	}
}

func key(question, arg string) string { return question + "\x00" + arg }

// Ask answers question about arg: from the recording in a replay (raising
// a Lua error naming the question when it was not recorded), else with
// live, whose answer a recording run writes.
func (h *Host) Ask(L *lua.LState, question, arg string, live func() ([]byte, error)) ([]byte, error) {
	if h.played != nil {
		a, ok := h.played[key(question, arg)]
		if !ok {
			L.RaiseError("%s", (&diag.Error{Msg: fmt.Sprintf("%s %s was not recorded in %s", question, arg, h.name),
				Hint: "replay the recorded script, or record again with a script that asks it"}).Error())
		}
		return a.Data, answerError(a)
	}
	data, err := live()
	if h.record != nil {
		a := recording.Answer{Question: question, Arg: arg, Data: data}
		if err != nil {
			a.Err = err.Error()
			var errno syscall.Errno
			if errors.As(err, &errno) {
				a.Errno = int(errno)
			}
		}
		k := key(question, arg)
		if last, ok := h.written[k]; !ok || !sameAnswer(last, a) {
			h.written[k] = a
			h.record(a)
		}
	}
	return data, err
}

func sameAnswer(a, b recording.Answer) bool {
	return bytes.Equal(a.Data, b.Data) && a.Errno == b.Errno && a.Err == b.Err
}

// recordedError is a recorded failure: its message, and the system error
// number for errors.Is (fs.ErrNotExist for ENOENT).
type recordedError struct {
	msg   string
	errno syscall.Errno
}

func (e *recordedError) Error() string { return e.msg }

func (e *recordedError) Unwrap() error {
	if e.errno == 0 {
		return nil
	}
	return e.errno
}

func answerError(a recording.Answer) error {
	if a.Err == "" && a.Errno == 0 {
		return nil
	}
	return &recordedError{msg: a.Err, errno: syscall.Errno(a.Errno)}
}

// ReadFile reads a whole file (question "read").
func (h *Host) ReadFile(L *lua.LState, path string) ([]byte, error) {
	return h.Ask(L, "read", path, func() ([]byte, error) { return os.ReadFile(path) })
}

// Readlink reads a symbolic link's target (question "readlink").
func (h *Host) Readlink(L *lua.LState, path string) (string, error) {
	b, err := h.Ask(L, "readlink", path, func() ([]byte, error) {
		s, err := os.Readlink(path)
		return []byte(s), err
	})
	return string(b), err
}

// Exists reports whether a file exists (question "exists").
func (h *Host) Exists(L *lua.LState, path string) bool {
	_, err := h.Ask(L, "exists", path, func() ([]byte, error) {
		_, err := os.Stat(path)
		return nil, err
	})
	return err == nil
}
