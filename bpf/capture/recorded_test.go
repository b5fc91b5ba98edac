package capture

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/luatrace/luatrace/bpf/internal/synthetic"
	"github.com/luatrace/luatrace/bpf/recording"
)

// TestRecordedDecodesAlike: a program written for a recording (through
// JSON, as the file keeps it) and read back decodes every field of a
// record exactly as the compiled one: header values, strings, integers
// cut to their size and sign, bitfields, derived values, stacks and
// ustack(dwarf) samples.
func TestRecordedDecodesAlike(t *testing.T) {
	probes := testProbes(t)
	tests := []struct {
		probe  string
		fields map[string]string
	}{
		{"vfs_read", map[string]string{"s": "str(args.buf)", "n": "args.count", "d": "args.count * 2 + 1", "neg": "-args.count", "p": "pid", "c": "comm"}},
		{"vfs_read", map[string]string{"bit": "((struct task_struct *)arg0)->in_execve", "st": "((struct task_struct *)arg0)->__state", "ks": "kstack", "us": "ustack"}},
		{"vfs_read", map[string]string{"ud": "ustack(dwarf, 4096)", "us": "ustack", "n": "args.count"}},
		{"vfs_read%", map[string]string{"r": "retval", "dur": "duration / 1000", "ok": "retval > 0 && args.count != 0"}},
		{"openat", map[string]string{"f": "str(args.filename)", "fl": "args.flags & 0x40", "dfd": "args.dfd"}},
	}
	recs := synthetic.Records(64, 1, 7)
	for _, tc := range tests {
		prog, err := Compile(probes[tc.probe], tc.fields)
		if err != nil {
			t.Fatalf("%s: %v", tc.probe, err)
		}
		fields, fetches := prog.Record()
		b, err := json.Marshal(fields)
		if err != nil {
			t.Fatal(err)
		}
		var back []recording.Field
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		got, err := Recorded(back, fetches)
		if err != nil {
			t.Fatalf("%s: Recorded: %v\n%s", tc.probe, err, b)
		}
		if got.Sections() != prog.Sections() {
			t.Errorf("%s: %d sections, want %d", tc.probe, got.Sections(), prog.Sections())
		}
		for _, rec := range recs {
			data := rec.Fields(prog.Sections())
			for i, f := range prog.Fields {
				want, have := f.Decode(rec, data), got.Fields[i].Decode(rec, data)
				if got.Fields[i].Name != f.Name || !reflect.DeepEqual(want, have) {
					t.Fatalf("%s: field %s = %q decodes to %+v, want %+v", tc.probe, f.Name, f.Expr, have, want)
				}
			}
		}
	}
}

// TestRecordedRefusesDamage: a recording's field descriptions are input:
// unknown kinds, impossible sizes and runaway nesting are errors, never
// a crash.
func TestRecordedRefusesDamage(t *testing.T) {
	deep := &recording.Derived{Const: new(int64)}
	for range maxDerivedDepth + 2 {
		deep = &recording.Derived{Op: "-", L: deep}
	}
	tests := []struct {
		name    string
		field   recording.Field
		fetches int
		want    string
	}{
		{"source", recording.Field{Name: "x", Source: "elsewhere"}, 0, "unknown source"},
		{"type", recording.Field{Name: "x", Source: recording.SourceFetch, Type: "float"}, 1, "unknown type"},
		{"header", recording.Field{Name: "x", Source: recording.SourceHeader, Header: "rip"}, 0, "unknown header"},
		{"bitfield", recording.Field{Name: "x", Source: recording.SourceFetch, Type: recording.TypeInt, BitSize: 80}, 1, "does not fit"},
		{"operator", recording.Field{Name: "x", Source: recording.SourceDerived, Derived: &recording.Derived{Op: "**", L: deep, R: deep}}, 0, "unknown operator"},
		{"operand", recording.Field{Name: "x", Source: recording.SourceDerived, Derived: &recording.Derived{Op: "+"}}, 0, "missing an operand"},
		{"depth", recording.Field{Name: "x", Source: recording.SourceDerived, Derived: deep}, 0, "deeper than"},
		{"dwarf size", recording.Field{Name: "x", Source: recording.SourceFetch, Type: recording.TypeUSample, Size: 1 << 30}, 1, "8 to"},
		{"fetches", recording.Field{Name: "x", Source: recording.SourceHeader, Header: "pid"}, -1, "fetches"},
	}
	for _, tc := range tests {
		_, err := Recorded([]recording.Field{tc.field}, tc.fetches)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}
