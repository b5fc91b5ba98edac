package diag

import (
	"errors"

	lua "github.com/yuin/gopher-lua"
)

// The kinds of failure. Errors luatrace returns wrap one, and the exit
// status follows from it (errors.Is): the script or the command line at
// fault is status 2, anything else status 1.
var (
	// ErrScript is a problem with the script itself: a syntax error, a
	// bad probe spec or option, an error raised at top level.
	ErrScript = errors.New("error in the script")
	// ErrUsage is a command line luatrace cannot run.
	ErrUsage = errors.New("usage error")
	// ErrPrivileges is a trace that needs privileges luatrace lacks.
	ErrPrivileges = errors.New("missing privileges")
	// ErrRuntime is a trace that failed as it ran (output that could not
	// be written, a kernel that refused what it accepted before).
	ErrRuntime = errors.New("runtime error")
)

// Exit statuses, after the kind of error.
const (
	StatusOK    = 0 // the trace ended as the script meant (or exit(0))
	StatusError = 1 // the trace failed: privileges, the kernel, output
	StatusUsage = 2 // the script or the command line is at fault
)

// ExitStatus is the status luatrace exits with after err: StatusUsage
// for a script or command-line error, StatusError for any other.
func ExitStatus(err error) int {
	switch {
	case err == nil:
		return StatusOK
	case errors.Is(err, ErrScript), errors.Is(err, ErrUsage):
		return StatusUsage
	}
	return StatusError
}

// ReportRequest ends the message of a Go panic caught in a Lua-called
// function: a bug in luatrace (or gopher-lua), not in the script.
const ReportRequest = "this is a bug in luatrace; please report it with the script that triggered it"

// Error is one sentence for the user: what went wrong, naming the input,
// then what to do about it. It reads "message; hint", or "message (hint)"
// when the hint is an aside (a question, an explanation).
type Error struct {
	Msg   string // what went wrong
	Hint  string // what to do, or ""
	Aside bool   // put the hint in parentheses
	Kind  error  // ErrScript, ErrPrivileges, ...; nil for none
	Err   error  // the cause, if any, for errors.Is and errors.As
}

func (e *Error) Error() string {
	switch {
	case e.Hint == "":
		return e.Msg
	case e.Aside:
		return e.Msg + " (" + e.Hint + ")"
	}
	return e.Msg + "; " + e.Hint
}

// Unwrap gives the kind and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	var out []error
	for _, err := range []error{e.Kind, e.Err} {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// Raise raises err in L as a Lua error at the calling function's position.
// The script sees err's text (pcall catches it as a string); the Go code
// that runs the chunk can still tell what it was with Cause.
func Raise(L *lua.LState, err error) {
	defer func() {
		p := recover()
		if api, ok := p.(*lua.ApiError); ok && api.Cause == nil {
			api.Cause = err
		}
		panic(p)
	}()
	L.RaiseError("%s", err.Error())
}

// Cause returns the Go error Raise raised, when err is a Lua error that
// reached the top unchanged (not caught and raised again as text).
func Cause(err error) error {
	var api *lua.ApiError
	if errors.As(err, &api) && api.Type == lua.ApiErrorRun {
		return api.Cause
	}
	return nil
}
