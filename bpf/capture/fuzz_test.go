package capture

import (
	le "encoding/binary"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/test/fuzzseed"
)

// FuzzCompile compiles any text as a field, a filter, a map key and a map
// value of each test probe. Each either compiles to a spec the collector
// accepts or fails with a one-line message; compiled fields decode any
// record without panicking.
func FuzzCompile(f *testing.F) {
	for _, s := range fuzzseed.Strings(f) {
		f.Add(s, []byte(nil))
	}
	for _, s := range []string{
		"str(args.file->f_path.dentry->d_name.name, 64)", "((struct task_struct *)arg0)->real_parent->tgid",
		"&((struct task_struct *)arg0)->comm", "buf(uptr(arg1), retval)", "args.count * 2 + 1", "-retval",
		"(args.count & 0xff) == 3", `comm != "bash" && pid != 1`, "(pid == 1 || tid == 2) && !(uid == 0)",
		`str(args.filename) == "/etc/passwd"`, "args.buf + 16", "duration / 1000 > 5", "kstack", "ustack",
		"((struct task_struct *)curtask)->in_execve", "arg0[3]", "*arg1", "(u8)arg2", "cgroup", "arg1 + arg2 + 4",
	} {
		f.Add(s, []byte(nil))
	}
	probes := testProbes(f)
	names := make([]string, 0, len(probes))
	for n := range probes {
		names = append(names, n)
	}
	sort.Strings(names)
	f.Fuzz(func(t *testing.T, expr string, record []byte) {
		for _, name := range names {
			p := probes[name]
			prog, err := Compile(p, map[string]string{"x": expr})
			if checkCompiled(t, name, expr, "field", err, prog, nil) {
				decodeAll(prog, recordOf(record))
			}
			prog = &Program{}
			filter, err := CompileFilter(p, prog, expr)
			checkCompiled(t, name, expr, "filter", err, prog, filter)
			prog = &Program{}
			u, err := CompileMapUpdate(p, prog, []string{expr}, "")
			if checkCompiled(t, name, expr, "key", err, prog, nil) {
				checkKey(t, name, expr, u, prog)
			}
			prog = &Program{}
			u, err = CompileMapUpdate(p, prog, []string{"comm", "pid"}, expr)
			if checkCompiled(t, name, expr, "value", err, prog, nil) {
				checkKey(t, name, expr, u, prog)
			}
		}
	})
}

// checkCompiled fails on an error message of more than one line or with
// raw control characters, and on a compiled program the collector would
// refuse. It reports whether the expression compiled.
func checkCompiled(t *testing.T, probe, expr, as string, err error, prog *Program, filter *Filter) bool {
	t.Helper()
	if err != nil {
		if msg := err.Error(); strings.ContainsFunc(msg, unicode.IsControl) {
			t.Fatalf("%s: %q as a %s: message with control characters: %q", probe, expr, as, msg)
		}
		return false
	}
	spec := collector.Spec{Fields: prog.Fetches, Calcs: prog.Calcs, Strings: prog.Strings}
	if filter != nil {
		spec.Clauses, spec.Comm = filter.Clauses, filter.Comm
	}
	if err := spec.Validate(); err != nil {
		t.Fatalf("%s: %q as a %s compiled to a spec the collector refuses: %v\n%q", probe, expr, as, err, prog.Describe())
	}
	return true
}

// checkKey fails unless every key part lies inside the key.
func checkKey(t *testing.T, probe, expr string, u *MapUpdate, prog *Program) {
	t.Helper()
	for i, part := range u.Parts {
		if int(part.Offset)+part.Width() > u.KeyBytes-8 || part.Kind == collector.KeyBytes && int(part.Operand) >= len(prog.Fetches) {
			t.Fatalf("%s: key %q: part %d (%+v) lies outside the %d-byte key", probe, expr, i, part, u.KeyBytes)
		}
	}
}

// FuzzDecode decodes any bytes as a record of probes with each kind of
// field: a record either fails its framing check or decodes, with every
// value inside the record.
func FuzzDecode(f *testing.F) {
	probes := testProbes(f)
	programs := []*Program{
		mustCompile(f, probes["openat"], map[string]string{
			"path": "str(args.filename)", "dfd": "args.dfd", "creat": "args.flags & 0x40", "k": "kstack", "u": "ustack",
			"c": "comm", "twice": "args.dfd * 2 - 1",
		}),
		mustCompile(f, probes["vfs_read%"], map[string]string{
			"n": "retval", "pos": "args.file->f_pos", "name": "str(args.file->f_path.dentry->d_name.name)",
			"data": "buf(args.buf, retval)", "bit": "((struct task_struct *)arg0)->in_execve", "us": "duration / 1000",
			"neg": "-((struct task_struct *)arg0)->pid", "state": "((struct task_struct *)arg0)->state",
		}),
		mustCompile(f, probes["usdt"], map[string]string{"a": "arg0", "b": "arg1", "c": "arg2", "d": "arg3", "e": "arg4"}),
	}
	f.Add(testRecord(6, []byte("payload"), fieldBytes(0, "/etc/passwd\x00"), fieldBytes(1, "\xff\xff\xff\xff\xff\xff\xff\xff")))
	f.Add(testRecord(0, nil, fieldBytes(2, strings.Repeat("x", 300))))
	f.Add(testRecord(2, nil))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		rec := collector.Record(data)
		if rec.Check() != nil {
			return
		}
		_ = []any{rec.ProbeID(), rec.Timestamp(), rec.PID(), rec.TID(), rec.UID(), rec.GID(), rec.CPU(), rec.Retval(), rec.IP(), rec.Duration(), rec.Comm()}
		if len(rec.Payload()) > len(rec) {
			t.Fatalf("payload of %d bytes in a %d-byte record", len(rec.Payload()), len(rec))
		}
		for i := -1; i <= rec.NArgs(); i++ {
			rec.Arg(i)
		}
		for _, prog := range programs {
			for _, v := range decodeAll(prog, rec) {
				if len(v.B) > len(rec) || 8*len(v.Frames) > len(rec) {
					t.Fatalf("a value of %d bytes and %d frames out of a %d-byte record", len(v.B), len(v.Frames), len(rec))
				}
			}
		}
	})
}

func mustCompile(tb testing.TB, p Probe, fields map[string]string) *Program {
	tb.Helper()
	prog, err := Compile(p, fields)
	if err != nil {
		tb.Fatal(err)
	}
	return prog
}

// decodeAll decodes every field of prog from rec.
func decodeAll(prog *Program, rec collector.Record) []Value {
	data := rec.Fields(prog.Sections())
	out := make([]Value, 0, len(prog.Fields))
	for _, f := range prog.Fields {
		out = append(out, f.Decode(rec, data))
	}
	return out
}

// recordOf frames fuzz bytes as a record with no arguments and no
// payload: all of them are captured fields.
func recordOf(fields []byte) collector.Record {
	rec := testRecord(0, nil)
	rec = append(rec, fields...)
	le.LittleEndian.PutUint32(rec[4:], uint32(len(rec)))
	return rec
}

// testRecord lays out a record as collector.bpf.c does (struct lt_header:
// size at byte 4, argument count at 36, payload length at 38), followed
// by fields already encoded with fieldBytes.
func testRecord(nargs int, payload []byte, fields ...[]byte) []byte {
	rec := make([]byte, collector.HeaderSize+8*nargs, 256)
	le.LittleEndian.PutUint16(rec[36:], uint16(nargs))
	le.LittleEndian.PutUint16(rec[38:], uint16(len(payload)))
	copy(rec[56:], "worker")
	rec = append(rec, payload...)
	for _, f := range fields {
		rec = append(rec, f...)
	}
	le.LittleEndian.PutUint32(rec[4:], uint32(len(rec)))
	return rec
}

// fieldBytes encodes one captured field: length, status, a pad byte, the
// bytes padded to 4.
func fieldBytes(status collector.FieldStatus, b string) []byte {
	out := le.LittleEndian.AppendUint16(nil, uint16(len(b)))
	out = append(out, byte(status), 0)
	out = append(out, b...)
	for len(out)%4 != 0 {
		out = append(out, 0)
	}
	return out
}
