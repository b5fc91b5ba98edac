// Command luatrace runs Lua trace scripts on eBPF probes.
//
//	luatrace [options] SCRIPT.lua [args...]
//	luatrace [options] -e 'CODE'
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/luatrace/luatrace/luaapi"
	"github.com/luatrace/luatrace/luaapi/diag"
	"github.com/luatrace/luatrace/luaapi/kernel"
	"github.com/luatrace/luatrace/luaapi/output"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	if isExecChild() {
		execChild()
		return
	}
	kernel.StartupGC() // until the script has started: luaapi calls StartupDone
	stopProfile := startProfile()
	status := dispatch(os.Args[1:], os.Stdout, os.Stderr)
	stopProfile()
	os.Exit(status)
}

// dispatch runs a subcommand (record, replay, test) or a trace.
func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "record":
			if len(args) == 1 {
				fmt.Fprint(stderr, recordUsage)
				return diag.StatusUsage
			}
			if args[1] == "-h" || args[1] == "--help" {
				fmt.Fprint(stderr, recordUsage)
				return diag.StatusOK
			}
			rc, rest, err := splitRecordArgs(args[1:])
			if err != nil {
				return fail(stderr, err)
			}
			return runTrace(rest, stdout, stderr, &rc)
		case "replay":
			return runReplay(args[1:], stdout, stderr)
		case "test":
			return runTests(args[1:], stdout, stderr)
		}
	}
	return run(args, stdout, stderr)
}

type config struct {
	code       string
	pid        int
	command    string
	noFollow   bool
	outFile    string
	format     string
	verbose    bool
	version    bool
	listDetail bool
	list       bool
	path       bool
	listTools  bool
	include    stringList
	maxProbes  int
	metrics    metricsConfig
}

// stringList is a repeatable flag (-I DIR -I DIR2).
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ":") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

func parseFlags(args []string, stderr io.Writer) (*config, []string, error) {
	fs := flag.NewFlagSet("luatrace", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors become one sentence: flagError
	c := &config{}
	fs.StringVar(&c.code, "e", "", "run `CODE` instead of a script file")
	fs.IntVar(&c.pid, "p", 0, "trace only process `PID`, its threads and the processes started under it from now on; stop when it exits")
	fs.StringVar(&c.command, "c", "", "run `CMD`, trace only it and every process started under it; stop when it exits")
	fs.BoolVar(&c.noFollow, "no-follow", false, "with -p or -c: trace only that process and its threads, not the processes started under it")
	fs.StringVar(&c.outFile, "o", "", "write output to `FILE`")
	fs.StringVar(&c.format, "f", "text", "output format: text or json")
	fs.BoolVar(&c.verbose, "v", false, "report attachments and verifier logs")
	fs.BoolVar(&c.version, "version", false, "print the version and exit")
	fs.Var(&c.include, "I", "search `DIR` for require()d libraries first (repeatable)")
	fs.IntVar(&c.maxProbes, "max-probes", 0, fmt.Sprintf("attach at most `N` probes at once (default %d, or $%s)", luaapi.DefaultMaxProbes, luaapi.MaxProbesEnv))
	fs.StringVar(&c.metrics.addr, "metrics", "", "serve the script's maps to Prometheus at http://`ADDR`/metrics (loopback only unless --metrics-remote)")
	fs.BoolVar(&c.metrics.remote, "metrics-remote", false, "let --metrics listen on addresses other than loopback")
	fs.BoolVar(&c.listTools, "list-tools", false, "list the tools embedded in luatrace (run one with: luatrace TOOL [args])")
	fs.BoolVar(&c.path, "path", false, "print the library search order (with SCRIPT: including its folder) and exit")
	fs.BoolVar(&c.listDetail, "L", false, "like -l, with each point's arguments: tracepoint fields, kernel function parameters from BTF")
	fs.BoolVar(&c.list, "l", false, "list probe points matching the `PATTERN` given as argument (e.g. 'tracepoint:syscalls:*', 'uprobe:libc:mal*')")
	fs.Usage = func() {}
	usage := func() {
		fs.SetOutput(stderr)
		fmt.Fprintf(stderr, "usage: luatrace [options] SCRIPT.lua [args...]\n       luatrace [options] TOOL [args...]        a tool of luatrace --list-tools, e.g. opensnoop\n       luatrace [options] -e 'CODE' [args...]\n       luatrace -l [PATTERN]\n       luatrace doc [MODULE]                    documentation of a library module\n       luatrace [options] [repl]                interactive session (the default on a terminal)\n\noptions:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage()
			return nil, nil, err
		}
		return nil, nil, flagError(err)
	}
	if err := checkGiven(fs, c); err != nil {
		return nil, nil, err
	}
	if c.format != "text" && c.format != "json" {
		return nil, nil, usageError(fmt.Sprintf("unknown output format %q for -f (use text or json)", c.format))
	}
	if c.pid != 0 && c.command != "" {
		return nil, nil, usageError("-p and -c both name the traced process; give one of them")
	}
	if c.metrics.remote && c.metrics.addr == "" {
		return nil, nil, usageError("--metrics-remote lets --metrics ADDR listen beyond loopback; give --metrics too")
	}
	if c.noFollow && c.pid == 0 && c.command == "" {
		return nil, nil, usageError("--no-follow limits -p or -c to their process; give one of them")
	}
	maxSet := false
	fs.Visit(func(f *flag.Flag) { maxSet = maxSet || f.Name == "max-probes" })
	var err error
	if c.maxProbes, err = maxProbes(c.maxProbes, maxSet); err != nil {
		return nil, nil, err
	}
	return c, fs.Args(), nil
}

func run(args []string, stdout, stderr io.Writer) int { return runTrace(args, stdout, stderr, nil) }

// runTrace runs luatrace's command line; with rc, as luatrace record.
func runTrace(args []string, stdout, stderr io.Writer, rc *recordConfig) int {
	c, rest, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return diag.StatusOK
	}
	if err != nil {
		return fail(stderr, badInput(err))
	}
	if c.version {
		fmt.Fprintf(stdout, "luatrace %s\n", version)
		return diag.StatusOK
	}

	if c.listTools {
		listTools(stdout)
		return diag.StatusOK
	}

	if c.path {
		if len(rest) > 1 {
			return fail(stderr, usageError("--path takes at most a script, to include its folder"))
		}
		printSearchPath(stdout, c.include, scriptOf(rest))
		return diag.StatusOK
	}

	if c.code == "" && len(rest) > 0 && rest[0] == "doc" {
		return printDoc(stdout, stderr, c.include, rest[1:])
	}

	if c.listDetail {
		c.list = true
	}
	if c.list {
		if len(rest) > 1 {
			return fail(stderr, usageError("-l takes one pattern; quote it so the shell does not expand it"))
		}
		pattern := ""
		if len(rest) == 1 {
			pattern = rest[0]
		}
		n, err := listProbes(stdout, pattern, c.include, c.listDetail)
		if err != nil {
			return fail(stderr, badInput(err))
		}
		if n == 0 {
			return fail(stderr, usageError(fmt.Sprintf("no probe point matches %q", pattern)))
		}
		return diag.StatusOK
	}

	interactive := c.code == "" && ((len(rest) == 1 && rest[0] == "repl") || (len(rest) == 0 && isTerminal(0)))
	if interactive && c.command != "" {
		return fail(stderr, usageError("-c is for scripts; in the REPL, start the command yourself and use -p"))
	}
	name, code, tool := "-e", c.code, false
	if c.code == "" && !interactive {
		if len(rest) == 0 {
			return fail(stderr, usageError("no script given; run luatrace SCRIPT.lua or luatrace -e 'CODE' (see luatrace -h)"))
		}
		name, rest = rest[0], rest[1:]
		var err error
		if code, tool, err = loadScript(name); err != nil {
			return fail(stderr, badInput(err))
		}
	}

	out := stdout
	if c.outFile != "" {
		f, err := openOutput(c.outFile)
		if err != nil {
			return fail(stderr, badInput(err))
		}
		defer f.Close()
		out = f
	}
	mode := output.Text
	if c.format == "json" {
		mode = output.JSON
	}

	if interactive && rc != nil {
		return fail(stderr, usageError("luatrace record needs a script or tool to run, not the REPL"))
	}
	if interactive {
		opts := luaapi.Options{Out: out, Mode: mode, Stderr: stderr, Verbose: c.verbose, ScriptName: "repl", PID: c.pid, Follow: !c.noFollow, Include: c.include, MaxProbes: c.maxProbes}
		return runREPL(opts, os.Stdin, c.metrics, stderr)
	}

	stops := newStopper()
	defer stops.close()
	// After Ctrl-C, a reader that stopped reading cannot hold luatrace.
	childStderr := stderr
	out, stderr = output.Stallable(out, stops.signaled), output.Stallable(stderr, stops.signaled)
	opts := luaapi.Options{
		Out: out, Mode: mode, Stderr: stderr, Verbose: c.verbose,
		ScriptName: filepath.Clean(name), Args: rest, Stop: stops.ch, PID: c.pid, Follow: !c.noFollow,
		Include: c.include, MaxProbes: c.maxProbes,
	}
	if c.code == "" && !tool {
		opts.ScriptDir = filepath.Dir(name)
	}
	if tool {
		name = "scripts/" + name + ".lua" // chunk name for errors
	}
	if c.pid != 0 {
		if err := stops.watchPID(c.pid); err != nil {
			return fail(stderr, badInput(err))
		}
	}
	if c.command != "" {
		child, err := startPaused(c.command, childStderr)
		if err != nil {
			return fail(stderr, badInput(err))
		}
		defer child.kill()
		opts.PID = child.pid
		opts.Started = child.release
		stops.watchChild(child)
	}
	if rc != nil {
		w, err := createRecording(rc)
		if err != nil {
			return fail(stderr, badInput(err))
		}
		opts.Record = w
		defer func() {
			if err := closeRecording(w, rc.path, stderr); err != nil {
				fmt.Fprintf(stderr, "luatrace: %v\n", err)
			}
		}()
	}
	rt := luaapi.New(opts)
	if c.metrics.addr != "" {
		srv, err := serveMetrics(c.metrics, rt)
		if err != nil {
			return fail(stderr, badInput(err))
		}
		defer srv.Close()
	}
	stops.watchSignals(rt.Interrupt)
	status, err := rt.RunScript(name, code)
	if err != nil {
		return fail(stderr, err)
	}
	return status
}

// fail reports err and returns the exit status its kind calls for
// (diag.ExitStatus).
func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "luatrace: %v\n", err)
	return diag.ExitStatus(err)
}

// usageError is a command line luatrace cannot run: exit status 2.
type usageError string

func (e usageError) Error() string { return string(e) }

// Is makes a usage error a diag.ErrUsage for errors.Is.
func (e usageError) Is(target error) bool { return target == diag.ErrUsage }

// badInput marks err, about what the command line names (a script, an
// output file, a process, a pattern), as a usage error.
func badInput(err error) error { return &diag.Error{Msg: err.Error(), Kind: diag.ErrUsage, Err: err} }
