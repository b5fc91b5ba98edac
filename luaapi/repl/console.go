// Package repl is the interactive session's own parts: how the console
// talks to the runtime, how typed lines become Lua chunks, how results and
// tables print, which names complete, and where probe output waits while
// the prompt is open. The session loop itself is the runtime's
// (luaapi.Runtime.RunREPL): it owns the Lua state and the events.
package repl

// Console connects the REPL to a user: a line editor on a terminal, or
// plain lines from a pipe. The runtime's goroutine answers on these
// channels; the console never touches the Lua state.
type Console struct {
	// Lines carries what the user typed, one line per message; closing it
	// (Ctrl-D, end of input) ends the session.
	Lines <-chan Line
	// Ready asks the console to read the next line with this prompt; it
	// is sent once the previous line's output is complete.
	Ready chan<- Prompt
	// Complete asks for completions of Lua names (globals and fields).
	Complete <-chan Completion
}

// Line is one line of input. Aborted is Ctrl-C at the prompt: drop any
// unfinished multi-line chunk.
type Line struct {
	Text    string
	Aborted bool
}

// Prompt tells the console what to show; Continue marks a continuation of
// a multi-line chunk.
type Prompt struct {
	Text     string
	Continue bool
}

// Completion is a request for the names that complete Word (e.g.
// "string.fo"); the runtime sends them on Reply.
type Completion struct {
	Word  string
	Reply chan []string
}
