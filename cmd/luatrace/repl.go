package main

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"syscall"

	"github.com/peterh/liner"
	"golang.org/x/sys/unix"

	"github.com/luatrace/luatrace/luaapi"
	"github.com/luatrace/luatrace/luaapi/repl"
)

// historyFile keeps REPL input across sessions, in the user's home; liner
// keeps the last liner.HistoryLimit (1000) lines of it.
const historyFile = ".luatrace_history"

func isTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}

// runREPL starts an interactive session: a line editor on a terminal, or
// plain lines (no prompts) when stdin is a pipe, for scripted sessions.
func runREPL(opts luaapi.Options, stdin io.Reader, mc metricsConfig, stderr io.Writer) int {
	lines := make(chan repl.Line)
	ready := make(chan repl.Prompt)
	complete := make(chan repl.Completion)
	stops := make(chan string, 1)
	opts.Stop = stops
	rt := luaapi.New(opts)
	if mc.addr != "" {
		srv, err := serveMetrics(mc, rt)
		if err != nil {
			return fail(stderr, badInput(err))
		}
		defer srv.Close()
	}
	rt.PrepareREPL(repl.Console{Lines: lines, Ready: ready, Complete: complete})

	// At the prompt the line editor reads Ctrl-C itself; elsewhere (a long
	// line running, :follow) SIGINT interrupts. SIGTERM ends the session.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		for sig := range sigs {
			if sig == syscall.SIGTERM {
				stops <- "signal"
				return
			}
			rt.Interrupt()
		}
	}()

	if f, ok := stdin.(*os.File); ok && isTerminal(int(f.Fd())) {
		term := liner.NewLiner()
		defer term.Close()
		term.SetCtrlCAborts(true)
		term.SetMultiLineMode(true)
		term.SetTabCompletionStyle(liner.TabPrints)
		term.SetWordCompleter(completer(complete))
		history := historyPath()
		if f, err := os.Open(history); err == nil {
			term.ReadHistory(f)
			f.Close()
		}
		defer saveHistory(term, history)
		go terminalConsole(term, ready, lines)
	} else {
		go pipeConsole(stdin, ready, lines)
	}
	return rt.RunREPL()
}

// terminalConsole reads lines with the line editor whenever the runtime
// asks for one.
func terminalConsole(term *liner.State, ready <-chan repl.Prompt, lines chan<- repl.Line) {
	defer close(lines)
	for p := range ready {
		text, err := term.Prompt(p.Text)
		switch {
		case errors.Is(err, liner.ErrPromptAborted):
			lines <- repl.Line{Aborted: true}
			continue
		case err != nil: // io.EOF: Ctrl-D
			return
		}
		if text != "" {
			term.AppendHistory(text)
		}
		lines <- repl.Line{Text: text}
	}
}

// pipeConsole feeds lines from a non-terminal, one at a time, each after
// the previous one's output, so a session's transcript is in order.
func pipeConsole(in io.Reader, ready <-chan repl.Prompt, lines chan<- repl.Line) {
	defer close(lines)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for range ready {
		if !sc.Scan() {
			return
		}
		lines <- repl.Line{Text: sc.Text()}
	}
}

func historyPath() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, historyFile)
}

func saveHistory(term *liner.State, path string) {
	if path == "" {
		return
	}
	if f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600); err == nil {
		term.WriteHistory(f)
		f.Close()
	}
}

var (
	// probeSpecAtEnd finds an unfinished probe("spec at the cursor.
	probeSpecAtEnd = regexp.MustCompile(`probe\(\s*["']([^"']*)$`)
	// luaNameAtEnd finds a dotted Lua name at the cursor.
	luaNameAtEnd = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_.]*$`)
)

// completer completes probe specs inside probe("...") from the system, and
// Lua names from the runtime (which owns the Lua state, so it is asked).
func completer(ask chan<- repl.Completion) liner.WordCompleter {
	return func(line string, pos int) (string, []string, string) {
		head, tail := line[:pos], line[pos:]
		if m := probeSpecAtEnd.FindStringSubmatchIndex(head); m != nil {
			start := m[2]
			return head[:start], completeSpec(head[start:]), tail
		}
		loc := luaNameAtEnd.FindStringIndex(head)
		if loc == nil {
			return head, nil, tail
		}
		reply := make(chan []string, 1)
		ask <- repl.Completion{Word: head[loc[0]:], Reply: reply}
		return head[:loc[0]], <-reply, tail
	}
}
