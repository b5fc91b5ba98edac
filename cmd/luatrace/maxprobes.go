package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/luatrace/luatrace/luaapi"
)

// maxProbes is the probe limit: --max-probes, else $LUATRACE_MAX_PROBES,
// else 0 for luaapi's default.
func maxProbes(flagValue int, flagSet bool) (int, error) {
	what, text := "--max-probes", strconv.Itoa(flagValue)
	if !flagSet {
		env, ok := os.LookupEnv(luaapi.MaxProbesEnv)
		if !ok || env == "" {
			return 0, nil
		}
		what, text = "$"+luaapi.MaxProbesEnv, env
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < 1 || n > luaapi.MaxProbesLimit {
		return 0, usageError(fmt.Sprintf("%s %s is not a probe count from 1 to %d (the default is %d)", what, strconv.Quote(text), luaapi.MaxProbesLimit, luaapi.DefaultMaxProbes))
	}
	return n, nil
}
