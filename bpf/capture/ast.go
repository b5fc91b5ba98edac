// Package capture compiles bpftrace-style expressions ("str(args.filename)",
// "((struct file *)arg0)->f_pos", "buf(uptr(arg1), retval)") into the
// collector's fetch programs, type-checked against kernel BTF and the
// probe's arguments, and decodes what the collector captured.
package capture

// node is an expression tree node.
type node interface{ pos() int }

type (
	ident struct {
		at   int
		name string
	}
	number struct {
		at int
		v  int64
	}
	strlit struct {
		at int
		s  string
	}
	member struct { // x.name or x->name
		at    int
		x     node
		name  string
		arrow bool
	}
	index struct { // x[i]
		at   int
		x, i node
	}
	call struct { // name(args...)
		at   int
		name string
		args []node
	}
	cast struct { // (type)x
		at  int
		typ string // e.g. "struct file *"
		x   node
	}
	unary struct { // *x, -x, !x, ~x, &x
		at int
		op string
		x  node
	}
	binary struct {
		at   int
		op   string
		l, r node
	}
)

func (n ident) pos() int  { return n.at }
func (n number) pos() int { return n.at }
func (n strlit) pos() int { return n.at }
func (n member) pos() int { return n.at }
func (n index) pos() int  { return n.at }
func (n call) pos() int   { return n.at }
func (n cast) pos() int   { return n.at }
func (n unary) pos() int  { return n.at }
func (n binary) pos() int { return n.at }
