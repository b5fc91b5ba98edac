package luaapi

import (
	"errors"
	"fmt"
	"maps"
	"strconv"

	"github.com/luatrace/luatrace/bpf/attach"
	"github.com/luatrace/luatrace/bpf/capture"
	"github.com/luatrace/luatrace/luaapi/diag"
)

// usdtParams describes a USDT target's arguments for expressions: argN
// and args.argN read where the note says, not from calling-convention
// registers.
func usdtParams(t *attach.Target) []capture.Param {
	params := make([]capture.Param, len(t.USDTArgs))
	for i := range t.USDTArgs {
		params[i] = capture.Param{Name: "arg" + strconv.Itoa(i), USDT: &t.USDTArgs[i]}
	}
	return params
}

// withUSDTArgs adds a captured field argN per USDT argument, so e.argN
// and e.args.argN have the probe's values whatever the script captures.
// The script's own fields cannot be named argN, so nothing is replaced.
func withUSDTArgs(t *attach.Target, fields map[string]string) map[string]string {
	if len(t.USDTArgs) == 0 {
		return fields
	}
	all := maps.Clone(fields)
	if all == nil {
		all = map[string]string{}
	}
	for i := range t.USDTArgs {
		name := "arg" + strconv.Itoa(i)
		all[name] = name
	}
	return all
}

// usdtLimitHint says where captures the script did not write came from.
func usdtLimitHint(t *attach.Target, err error) error {
	if len(t.USDTArgs) == 0 || !errors.Is(err, capture.ErrTooManyCaptures) {
		return err
	}
	return &diag.Error{
		Msg:  err.Error(),
		Hint: fmt.Sprintf("its %d USDT arguments are captured as arg0..arg%d, so capture fewer fields", len(t.USDTArgs), len(t.USDTArgs)-1),
		Err:  err,
	}
}
