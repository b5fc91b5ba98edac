package host

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Wrap makes a Lua function that answers a question about the machine
// (kernel.enum, kernel.config, ...) answer through h: its arguments name
// the question, its results (nil, booleans, numbers, strings and tables
// of them) are the answer, and an error it raises is a recorded answer
// too. Without recording or replaying it is fn itself.
func (h *Host) Wrap(question string, fn lua.LGFunction) lua.LGFunction {
	if !h.Intercepts() {
		return fn
	}
	return func(L *lua.LState) int {
		args := make([]lua.LValue, L.GetTop())
		for i := range args {
			args[i] = L.Get(i + 1)
		}
		arg, err := encodeValues(args)
		if err != nil {
			L.ArgError(1, err.Error())
		}
		data, err := h.Ask(L, question, arg, func() ([]byte, error) {
			top := L.GetTop()
			L.Push(L.NewFunction(fn))
			for _, a := range args {
				L.Push(a)
			}
			if err := L.PCall(len(args), lua.MultRet, nil); err != nil {
				return nil, errors.New(raised(err))
			}
			results := make([]lua.LValue, L.GetTop()-top)
			for i := range results {
				results[i] = L.Get(top + 1 + i)
			}
			L.SetTop(top)
			s, err := encodeValues(results)
			return []byte(s), err
		})
		if err != nil {
			L.RaiseError("%s", err.Error())
		}
		results, err := decodeValues(L, string(data))
		if err != nil {
			L.RaiseError("%s %s: recorded answer: %s", question, arg, err.Error())
		}
		for _, v := range results {
			L.Push(v)
		}
		return len(results)
	}
}

// raised is the message of an error a Go function raised, without the
// position gopher-lua puts before it (the replay raises it again, at the
// replaying script's position).
func raised(err error) string {
	msg := err.Error()
	var ae *lua.ApiError
	if errors.As(err, &ae) {
		msg = lua.LVAsString(ae.Object)
	}
	if i := strings.Index(msg, ": "); i >= 0 && strings.Count(msg[:i], ":") == 1 {
		msg = msg[i+2:] // "chunk:LINE: message"
	}
	return strings.TrimSpace(msg)
}

// encodeValues writes Lua values as JSON: null, booleans, numbers,
// strings, and tables as lists of [key, value] pairs (keys of any of
// these types).
func encodeValues(vs []lua.LValue) (string, error) {
	out := make([]any, len(vs))
	for i, v := range vs {
		e, err := encodeValue(v, 0)
		if err != nil {
			return "", err
		}
		out[i] = e
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func encodeValue(v lua.LValue, depth int) (any, error) {
	switch x := v.(type) {
	case *lua.LNilType:
		return nil, nil
	case lua.LBool:
		return bool(x), nil
	case lua.LNumber:
		return map[string]float64{"n": float64(x)}, nil
	case lua.LString:
		return string(x), nil
	case *lua.LTable:
		if depth > 8 {
			return nil, fmt.Errorf("a table nested deeper than 8 cannot be recorded")
		}
		var pairs [][2]any
		var err error
		x.ForEach(func(k, v lua.LValue) {
			ke, kerr := encodeValue(k, depth+1)
			ve, verr := encodeValue(v, depth+1)
			if err == nil {
				err = cmpErr(kerr, verr)
			}
			pairs = append(pairs, [2]any{ke, ve})
		})
		return map[string]any{"t": pairs}, err
	}
	return nil, fmt.Errorf("a %s cannot be recorded", v.Type())
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func decodeValues(L *lua.LState, s string) ([]lua.LValue, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, err
	}
	out := make([]lua.LValue, len(raw))
	for i, r := range raw {
		v, err := decodeValue(L, r)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func decodeValue(L *lua.LState, r json.RawMessage) (lua.LValue, error) {
	var v any
	if err := json.Unmarshal(r, &v); err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case nil:
		return lua.LNil, nil
	case bool:
		return lua.LBool(x), nil
	case string:
		return lua.LString(x), nil
	}
	var obj struct {
		N *float64             `json:"n"`
		T [][2]json.RawMessage `json:"t"`
	}
	if err := json.Unmarshal(r, &obj); err != nil {
		return nil, err
	}
	if obj.N != nil {
		return lua.LNumber(*obj.N), nil
	}
	t := L.NewTable()
	for _, p := range obj.T {
		k, err := decodeValue(L, p[0])
		if err != nil {
			return nil, err
		}
		v, err := decodeValue(L, p[1])
		if err != nil {
			return nil, err
		}
		t.RawSet(k, v)
	}
	return t, nil
}
