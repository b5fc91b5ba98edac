package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/luatrace/luatrace/bpf/recording"
	"github.com/luatrace/luatrace/luaapi"
	"github.com/luatrace/luatrace/luaapi/diag"
	"github.com/luatrace/luatrace/luaapi/output"
)

const replayUsage = `usage: luatrace replay [options] FILE [SCRIPT|TOOL [args...]]
Runs SCRIPT (by default the recorded script, with its recorded arguments) over the
recording FILE and the files rotated from it, without privileges: probes bind to the
recorded ones, events keep their recorded pid, fields, stacks and timestamps, interval
probes tick at recorded moments, and maps fed in the kernel are rebuilt from the events.
options:
  -o FILE   write output to FILE
  -f FMT    output format: text or json
  -I DIR    search DIR for require()d libraries first (repeatable)
  -v        report what the replay binds
`

// runReplay implements luatrace replay.
func runReplay(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("luatrace replay", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	outFile := fs.String("o", "", "")
	format := fs.String("f", "text", "")
	verbose := fs.Bool("v", false, "")
	var include stringList
	fs.Var(&include, "I", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, replayUsage)
			return diag.StatusOK
		}
		return fail(stderr, flagError(err))
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fmt.Fprint(stderr, replayUsage)
		return diag.StatusUsage
	}
	if *format != "text" && *format != "json" {
		return fail(stderr, usageError(fmt.Sprintf("unknown output format %q for -f (use text or json)", *format)))
	}
	out := stdout
	if *outFile != "" {
		f, err := openOutput(*outFile)
		if err != nil {
			return fail(stderr, badInput(err))
		}
		defer f.Close()
		out = f
	}
	mode := output.Text
	if *format == "json" {
		mode = output.JSON
	}
	return replayFile(replayRun{file: rest[0], script: rest[1:], out: out, stderr: stderr, mode: mode, include: include, verbose: *verbose})
}

// replayRun is one replay: the recording, the script and its arguments
// (none: the recorded ones) and where output goes.
type replayRun struct {
	file    string
	script  []string
	out     io.Writer
	stderr  io.Writer
	mode    output.Mode
	include []string
	verbose bool
}

func replayFile(rr replayRun) int {
	series, err := recording.OpenSeries(rr.file)
	if err != nil {
		return fail(rr.stderr, badInput(openRecordingError(rr.file, err)))
	}
	defer series.Close()
	rp := luaapi.OpenReplay(series, rr.file)
	opts := luaapi.Options{Out: rr.out, Mode: rr.mode, Stderr: rr.stderr, Verbose: rr.verbose, Include: rr.include, Replay: rp}
	var name, code string
	switch {
	case len(rr.script) > 0:
		var tool bool
		name, opts.Args = rr.script[0], rr.script[1:]
		if code, tool, err = loadScript(name); err != nil {
			return fail(rr.stderr, badInput(err))
		}
		opts.ScriptName = filepath.Clean(name)
		if tool {
			name = "scripts/" + name + ".lua"
		} else {
			opts.ScriptDir = filepath.Dir(name)
		}
	case rp.Script() != nil:
		s := rp.Script()
		name, code, opts.Args, opts.ScriptName = s.Name, s.Source, s.Args, s.Name
	case series.Err() != nil:
		return fail(rr.stderr, badInput(fmt.Errorf("cannot replay %s: %w", rr.file, series.Err())))
	case damage(series) != "":
		return fail(rr.stderr, badInput(fmt.Errorf("cannot replay: %s, before its script", damage(series))))
	default:
		return fail(rr.stderr, badInput(fmt.Errorf("%s holds no script (the recorder stopped before writing it); give one: luatrace replay %s SCRIPT", rr.file, rr.file)))
	}
	stops := newStopper()
	defer stops.close()
	opts.Stop = stops.ch
	rt := luaapi.New(opts)
	stops.watchSignals(rt.Interrupt)
	status, err := rt.RunScript(name, code)
	if err != nil {
		return fail(rr.stderr, err)
	}
	reportEnding(rr.stderr, rr.file, series)
	return status
}

// reportEnding says when a recording was cut short (the recorder was
// killed) or damaged: the replay then had only its first part.
func reportEnding(stderr io.Writer, file string, s *recording.Series) {
	if err := s.Err(); err != nil {
		fmt.Fprintf(stderr, "luatrace: replay stopped early: %v\n", err)
	}
	for _, e := range s.Endings() {
		switch {
		case e.Corrupt:
			fmt.Fprintf(stderr, "luatrace: %s; replayed what precedes it\n", damage(s))
		case !e.Complete():
			fmt.Fprintf(stderr, "luatrace: %s was cut short (the recorder did not close it); replayed what it holds\n", e.Name)
		}
	}
}

// damage describes where a recording's files are damaged, "" if nowhere.
func damage(s *recording.Series) string {
	for _, e := range s.Endings() {
		if e.Corrupt {
			return fmt.Sprintf("%s is damaged at byte %d (%s)", e.Name, e.Offset, strings.TrimPrefix(e.Reason, fmt.Sprintf("frame at byte %d: ", e.Offset)))
		}
	}
	return ""
}

// openSeriesScript reads the recorded script of a recording.
func openSeriesScript(file string) (*recording.Script, error) {
	series, err := recording.OpenSeries(file)
	if err != nil {
		return nil, err
	}
	defer series.Close()
	return luaapi.OpenReplay(series, file).Script(), nil
}

// openRecordingError says in one sentence why file cannot be replayed,
// naming it once (the recording package's errors name it too).
func openRecordingError(file string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("cannot replay %s: there is no such file (nor rotated %s.N files); check the path", file, file)
	case errors.Is(err, syscall.EISDIR):
		return fmt.Errorf("cannot replay %s: it is a directory; give a file luatrace record wrote", file)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("cannot replay %s: permission denied; make it readable to this user", file)
	}
	return fmt.Errorf("cannot replay %s: %s", file, strings.TrimPrefix(err.Error(), file+": "))
}
