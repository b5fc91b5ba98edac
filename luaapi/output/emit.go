package output

import (
	"math"
	"sort"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// MaxDepth bounds nested tables in a record; deeper ones (or cycles) are
// written as the string "<table>".
const MaxDepth = 16

// Field is one key and value of an emitted record.
type Field struct {
	Key   string
	Value lua.LValue
}

// FieldsFromTable lists t's entries sorted by key (keys as strings), so
// records come out in a stable order.
func FieldsFromTable(L *lua.LState, t *lua.LTable) []Field {
	var fields []Field
	t.ForEach(func(k, v lua.LValue) {
		fields = append(fields, Field{Key: keyString(k), Value: v})
	})
	sort.Slice(fields, func(i, j int) bool { return fields[i].Key < fields[j].Key })
	return fields
}

func keyString(k lua.LValue) string {
	if s, ok := k.(lua.LString); ok {
		return string(s)
	}
	return k.String()
}

// Emit writes one structured record. JSON mode: {"type": "emit", "data":
// {...}} with keys in the order given. Text mode: key=value pairs on one
// line, each padded to the widest value this key has had so far so that
// successive records line up in columns.
func (w *Writer) Emit(fields []Field) {
	b := w.tmp[:0]
	if w.mode == JSON {
		b = append(b, `{"type": "emit", "data": {`...)
		for i, f := range fields {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = AppendString(b, []byte(f.Key))
			b = append(b, ": "...)
			b = appendJSON(b, f.Value, 0)
		}
		b = append(b, "}}\n"...)
	} else {
		for i, f := range fields {
			if i > 0 {
				b = append(b, ' ')
			}
			start := len(b)
			b = append(b, f.Key...)
			b = append(b, '=')
			b = appendText(b, f.Value)
			width := len(b) - start
			if width > w.widths[f.Key] {
				w.widths[f.Key] = width
			}
			if i < len(fields)-1 {
				b = spaces(b, w.widths[f.Key]-width)
			}
		}
		b = append(b, '\n')
	}
	w.tmp = b
	w.write(b)
}

// appendText renders a value for key=value text: strings are quoted only
// when they would otherwise be ambiguous; tables are written as JSON.
func appendText(b []byte, v lua.LValue) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "nil"...)
	case lua.LString:
		s := string(x)
		if s == "" || strings.ContainsAny(s, " \t\n\r\"=") || !printable(s) {
			return strconv.AppendQuote(b, s)
		}
		return append(b, s...)
	case *lua.LTable:
		return appendJSON(b, x, 0)
	}
	return append(b, v.String()...)
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// appendJSON renders a Lua value as JSON: integral numbers without a
// decimal point, non-finite numbers as null, tables with keys 1..n as
// arrays and others as objects with sorted keys.
func appendJSON(b []byte, v lua.LValue, depth int) []byte {
	switch x := v.(type) {
	case nil: // a Field built in Go with no Value
		return append(b, "null"...)
	case lua.LNumber:
		f := float64(x)
		switch {
		case math.IsInf(f, 0) || math.IsNaN(f):
			return append(b, "null"...)
		case f == math.Trunc(f) && math.Abs(f) < 1e18:
			return strconv.AppendInt(b, int64(f), 10)
		}
		return strconv.AppendFloat(b, f, 'g', -1, 64)
	case lua.LString:
		return AppendString(b, []byte(x))
	case lua.LBool:
		return strconv.AppendBool(b, bool(x))
	case *lua.LNilType:
		return append(b, "null"...)
	case *lua.LTable:
		if depth >= MaxDepth {
			return append(b, `"<table>"`...)
		}
		return appendTable(b, x, depth+1)
	}
	return AppendString(b, []byte(v.String()))
}

func appendTable(b []byte, t *lua.LTable, depth int) []byte {
	n := t.Len()
	count := 0
	t.ForEach(func(lua.LValue, lua.LValue) { count++ })
	if n > 0 && n == count {
		b = append(b, '[')
		for i := 1; i <= n; i++ {
			if i > 1 {
				b = append(b, ", "...)
			}
			b = appendJSON(b, t.RawGetInt(i), depth)
		}
		return append(b, ']')
	}
	b = append(b, '{')
	for i, f := range FieldsFromTable(nil, t) {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = AppendString(b, []byte(f.Key))
		b = append(b, ": "...)
		b = appendJSON(b, f.Value, depth)
	}
	return append(b, '}')
}

func spaces(b []byte, n int) []byte {
	for ; n > 0; n-- {
		b = append(b, ' ')
	}
	return b
}
