package diag

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// gopher-lua says only "attempt to call a non-function object"; Lua names
// the culprit ("attempt to call a nil value (global 'foo')"). The chunks
// the runtime loaded are kept so the message can be rebuilt from their
// bytecode: the calls compiled on the error's line, how each callee was
// loaded (global, local, field, method, upvalue), and for globals their
// value now.
var callError = regexp.MustCompile(`^(.*):(\d+): attempt to call a non-function object$`)

// Chunks keeps the code a runtime loaded (scripts, libraries, REPL
// lines) so that errors raised in it can say more.
type Chunks struct {
	L      *lua.LState // where globals are looked up
	protos map[string][]*lua.FunctionProto
}

// Add keeps a loaded chunk's prototype for Explain.
func (c *Chunks) Add(fn *lua.LFunction) {
	if fn == nil || fn.Proto == nil {
		return
	}
	if c.protos == nil {
		c.protos = map[string][]*lua.FunctionProto{}
	}
	name := fn.Proto.SourceName
	c.protos[name] = append(c.protos[name], fn.Proto)
}

// Explain rewrites a message that can say more than gopher-lua's.
func (c *Chunks) Explain(msg string) string {
	m := callError.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	line, _ := strconv.Atoi(m[2])
	var suspects []string
	typ := "non-function"
	for _, p := range c.protos[m[1]] {
		for _, callee := range calleesAt(p, line) {
			if callee.kind == "global" {
				v := c.L.GetGlobal(callee.name)
				if callable(c.L, v) {
					continue
				}
				typ = v.Type().String()
			}
			switch {
			case callee.kind == "value":
				suspects = append(suspects, "the result of an expression")
			case callee.name == "?":
				suspects = append(suspects, "a table element")
			default:
				suspects = append(suspects, fmt.Sprintf("%s '%s'", callee.kind, callee.name))
			}
		}
	}
	switch len(suspects) {
	case 0:
		return fmt.Sprintf("%s:%s: attempt to call a non-function value", m[1], m[2])
	case 1:
		return fmt.Sprintf("%s:%s: attempt to call a %s value (%s)", m[1], m[2], typ, suspects[0])
	}
	return fmt.Sprintf("%s:%s: attempt to call a non-function value (%s)", m[1], m[2], strings.Join(suspects, " or "))
}

func callable(L *lua.LState, v lua.LValue) bool {
	if _, ok := v.(*lua.LFunction); ok {
		return true
	}
	_, ok := L.GetMetaField(v, "__call").(*lua.LFunction)
	return ok
}

// callee is what one call instruction calls.
type callee struct{ kind, name string }

// calleesAt lists the calls compiled on line in p and its nested
// functions.
func calleesAt(p *lua.FunctionProto, line int) []callee {
	var out []callee
	for _, c := range p.DbgCalls {
		if c.Pc < len(p.DbgSourcePositions) && p.DbgSourcePositions[c.Pc] == line {
			out = append(out, calleeOf(p, c))
		}
	}
	for _, sub := range p.FunctionPrototypes {
		out = append(out, calleesAt(sub, line)...)
	}
	return out
}

// Instruction fields, as gopher-lua lays them out (Lua 5.1's layout).
func opCode(i uint32) int { return int(i >> 26) }
func argA(i uint32) int   { return int(i>>18) & 0xff }
func argB(i uint32) int   { return int(i & 0x1ff) }
func argBx(i uint32) int  { return int(i & 0x3ffff) }

// calleeOf finds how the called register was loaded: the last instruction
// before the call that wrote it.
func calleeOf(p *lua.FunctionProto, c lua.DbgCall) callee {
	reg := argA(p.Code[c.Pc])
	for pc := c.Pc - 1; pc >= 0; pc-- {
		in := p.Code[pc]
		if argA(in) != reg {
			continue
		}
		switch opCode(in) {
		case lua.OP_GETGLOBAL:
			if k, ok := p.Constants[argBx(in)].(lua.LString); ok {
				return callee{"global", string(k)}
			}
		case lua.OP_GETTABLE, lua.OP_GETTABLEKS:
			return callee{"field", c.Name}
		case lua.OP_SELF:
			return callee{"method", c.Name}
		case lua.OP_GETUPVAL:
			if b := argB(in); b < len(p.DbgUpvalues) {
				return callee{"upvalue", p.DbgUpvalues[b]}
			}
		case lua.OP_MOVE:
			if name := localAt(p, argB(in), pc); name != "" {
				return callee{"local", name}
			}
		default:
			return callee{"value", c.Name}
		}
		return callee{"value", c.Name}
	}
	if name := localAt(p, reg, c.Pc); name != "" {
		return callee{"local", name}
	}
	return callee{"value", c.Name}
}

// localAt names the local variable in register reg at pc: locals take
// registers in the order they become active.
func localAt(p *lua.FunctionProto, reg, pc int) string {
	n := 0
	for _, l := range p.DbgLocals {
		if l.StartPc <= pc && pc < l.EndPc {
			if n == reg {
				return l.Name
			}
			n++
		}
	}
	return ""
}
