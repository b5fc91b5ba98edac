package main

import (
	"flag"
	"fmt"
	"regexp"
	"strings"

	"github.com/luatrace/luatrace/luaapi/diag"
)

// flagValues says what each option that takes a value needs, for errors.
var flagValues = map[string]string{
	"e":       "Lua code",
	"p":       "a process id",
	"c":       "a command",
	"o":       "a file name",
	"f":       "text or json",
	"I":       "a folder",
	"metrics": "an address such as 127.0.0.1:9435",
	// as checkMaxProbes says it
	"max-probes": "a probe count from 1 to 8190",
}

// The flag package's error texts (Go 1.21 and later).
var (
	flagUnknown   = regexp.MustCompile(`^flag provided but not defined: -+(.*)$`)
	flagNoValue   = regexp.MustCompile(`^flag needs an argument: -+(.*)$`)
	flagBadValue  = regexp.MustCompile(`^invalid value "(.*)" for flag -+([^:]*): `)
	flagBadBool   = regexp.MustCompile(`^invalid boolean value "(.*)" for -+([^:]*): `)
	flagBadSyntax = regexp.MustCompile(`^bad flag syntax: (.*)$`)
)

// flagError turns an error of the flag package into one sentence naming
// the option and the fix. Control bytes from the command line are shown
// escaped.
func flagError(err error) usageError {
	msg := err.Error()
	q := diag.Printable
	if m := flagUnknown.FindStringSubmatch(msg); m != nil {
		return usageError(fmt.Sprintf("unknown option -%s (see luatrace -h)", q(m[1])))
	}
	if m := flagNoValue.FindStringSubmatch(msg); m != nil {
		return usageError(fmt.Sprintf("-%s needs %s (see luatrace -h)", q(m[1]), needs(m[1])))
	}
	if m := flagBadValue.FindStringSubmatch(msg); m != nil {
		return usageError(fmt.Sprintf("-%s needs %s, got %q", q(m[2]), needs(m[2]), m[1]))
	}
	if m := flagBadBool.FindStringSubmatch(msg); m != nil {
		return usageError(fmt.Sprintf("-%s takes no value, got %q", q(m[2]), m[1]))
	}
	if m := flagBadSyntax.FindStringSubmatch(msg); m != nil {
		return usageError(fmt.Sprintf("cannot read option %q (see luatrace -h)", m[1]))
	}
	return usageError(q(strings.TrimPrefix(msg, "flag: ")))
}

func needs(name string) string {
	if v, ok := flagValues[name]; ok {
		return v
	}
	return "a value"
}

// checkGiven refuses values that were given but mean nothing: an empty -c and
// -p 0 would trace nothing and never end.
func checkGiven(fs *flag.FlagSet, c *config) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		switch {
		case err != nil:
		case f.Name == "c" && strings.TrimSpace(c.command) == "":
			err = usageError("-c needs a command, got an empty string")
		case f.Name == "p" && c.pid <= 0:
			err = usageError(fmt.Sprintf("-p needs a process id, got %d", c.pid))
		case f.Name == "e" && c.code == "":
			err = usageError("-e needs Lua code, got an empty string")
		case f.Name == "o" && c.outFile == "":
			err = usageError("-o needs a file name, got an empty string")
		}
	})
	return err
}
