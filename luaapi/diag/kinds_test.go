package diag

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func TestErrorText(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Msg: "no such map"}, "no such map"},
		{&Error{Msg: "probe needs 5000 probes", Hint: "narrow the pattern"}, "probe needs 5000 probes; narrow the pattern"},
		{&Error{Msg: "cannot open x", Hint: "is it under a mounted /sys/fs/bpf?", Aside: true}, "cannot open x (is it under a mounted /sys/fs/bpf?)"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
	cause := errors.New("EPERM")
	err := &Error{Msg: "m", Kind: ErrPrivileges, Err: cause}
	if !errors.Is(err, ErrPrivileges) || !errors.Is(err, cause) || errors.Is(err, ErrScript) {
		t.Errorf("errors.Is does not see the kind and the cause of %v", err)
	}
}

// TestExitStatus: the status follows the kind of error, however deeply
// it is wrapped.
func TestExitStatus(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"no error", nil, StatusOK},
		{"script", &Error{Msg: "x.lua:1: syntax", Kind: ErrScript}, StatusUsage},
		{"usage", &Error{Msg: "-p needs a process id", Kind: ErrUsage}, StatusUsage},
		{"wrapped usage", fmt.Errorf("flag: %w", &Error{Msg: "m", Kind: ErrUsage}), StatusUsage},
		{"privileges", &Error{Msg: "needs root", Hint: "run it with sudo", Kind: ErrPrivileges}, StatusError},
		{"privileges joined", errors.Join(errors.New("a"), &Error{Msg: "b", Kind: ErrPrivileges}), StatusError},
		{"runtime", &Error{Msg: "write output", Kind: ErrRuntime}, StatusError},
		{"no kind", errors.New("anything else"), StatusError},
	}
	for _, tc := range tests {
		if got := ExitStatus(tc.err); got != tc.want {
			t.Errorf("%s: ExitStatus(%v) = %d, want %d", tc.name, tc.err, got, tc.want)
		}
	}
}

// TestRaiseKeepsCause: an error raised with Raise reaches the code that
// ran the chunk with its kind; caught and raised again as text, it is the
// script's own error.
func TestRaiseKeepsCause(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	raised := &Error{Msg: "needs root", Kind: ErrPrivileges}
	L.SetGlobal("attach", L.NewFunction(func(L *lua.LState) int {
		Raise(L, raised)
		return 0
	}))
	tests := []struct {
		code      string
		privilege bool
	}{
		{"attach()", true},
		{"local function f() attach() end f()", true},
		{"local ok, e = pcall(attach) error(e, 0)", false},
		{"error('other')", false},
	}
	for _, tc := range tests {
		err := L.DoString(tc.code)
		if err == nil || !strings.Contains(Message(err), "needs root") && tc.privilege {
			t.Fatalf("%s: %v", tc.code, err)
		}
		if got := errors.Is(Cause(err), ErrPrivileges); got != tc.privilege {
			t.Errorf("%s: cause %v, privileges %v; want %v", tc.code, Cause(err), got, tc.privilege)
		}
	}
	if err := L.DoString("return select(2, pcall(attach))"); err != nil || !strings.HasSuffix(L.Get(-1).String(), ": needs root") {
		t.Errorf("pcall sees %q, %v; want the message at its position", L.Get(-1).String(), err)
	}
}
