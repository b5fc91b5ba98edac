package collector

import (
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// generatedStructs are the Go types bpf2go generated for the structs
// collector.h shares, by C name.
var generatedStructs = map[string]reflect.Type{
	"lt_header":       reflect.TypeFor[collectorLtHeader](),
	"lt_field_header": reflect.TypeFor[collectorLtFieldHeader](),
	"lt_spec":         reflect.TypeFor[collectorLtSpec](),
	"lt_fetch":        reflect.TypeFor[collectorLtFetch](),
	"lt_clause":       reflect.TypeFor[collectorLtClause](),
	"lt_calc":         reflect.TypeFor[collectorLtCalc](),
	"lt_agg":          reflect.TypeFor[collectorLtAgg](),
	"lt_key_part":     reflect.TypeFor[collectorLtKeyPart](),
	"lt_agg_value":    reflect.TypeFor[collectorLtAggValue](),
	"lt_agg_cached":   reflect.TypeFor[collectorLtAggCached](),
	"lt_agg_counts":   reflect.TypeFor[collectorLtAggCounts](),
	"lt_stats":        reflect.TypeFor[collectorLtStats](),
	"lt_mem_buf":      reflect.TypeFor[collectorLtMemBuf](),
	"lt_stamp_counts": reflect.TypeFor[collectorLtStampCounts](),
}

// TestSharedTypesAreGenerated: every struct and enum collector.h declares
// is generated for Go (a -type in gen.go), so none is copied by hand.
func TestSharedTypesAreGenerated(t *testing.T) {
	header, err := os.ReadFile("collector.h")
	if err != nil {
		t.Fatal(err)
	}
	types := generatedTypeNames(t)
	declared := regexp.MustCompile(`(?m)^(struct|enum) (lt_\w+) \{`).FindAllStringSubmatch(string(header), -1)
	if len(declared) == 0 {
		t.Fatal("found no struct or enum in collector.h")
	}
	for _, d := range declared {
		if !types[d[2]] {
			t.Errorf("collector.h declares %s %s, but gen.go does not generate it (-type %s)", d[1], d[2], d[2])
		}
		if _, listed := generatedStructs[d[2]]; d[1] == "struct" && !listed {
			t.Errorf("struct %s is not in generatedStructs, so its layout is not checked", d[2])
		}
	}
}

// TestGeneratedLayoutMatchesObject compares the generated Go types with the
// BTF of the committed object, field by field: a .o rebuilt without its Go
// (or the reverse) fails here, without clang.
func TestGeneratedLayoutMatchesObject(t *testing.T) {
	spec, err := loadCollector()
	if err != nil {
		t.Fatal(err)
	}
	for name, goType := range generatedStructs {
		var st *btf.Struct
		if err := spec.Types.TypeByName(name, &st); err != nil {
			t.Errorf("struct %s: not in the object's BTF: %v", name, err)
			continue
		}
		checkStruct(t, name, st, goType)
	}
}

func checkStruct(t *testing.T, name string, st *btf.Struct, goType reflect.Type) {
	t.Helper()
	if uintptr(st.Size) != goType.Size() {
		t.Errorf("struct %s: %d bytes in C, %d in Go", name, st.Size, goType.Size())
	}
	var fields []reflect.StructField
	for i := range goType.NumField() {
		if f := goType.Field(i); f.Name != "_" {
			fields = append(fields, f)
		}
	}
	if len(fields) != len(st.Members) {
		t.Errorf("struct %s: %d members in C, %d in Go", name, len(st.Members), len(fields))
		return
	}
	for i, m := range st.Members {
		f := fields[i]
		if !sameName(m.Name, f.Name) {
			t.Errorf("struct %s: member %d is %s in C, %s in Go", name, i, m.Name, f.Name)
		}
		if uintptr(m.Offset.Bytes()) != f.Offset {
			t.Errorf("struct %s: %s at byte %d in C, %d in Go", name, m.Name, m.Offset.Bytes(), f.Offset)
		}
		size, err := btf.Sizeof(m.Type)
		if err != nil {
			t.Errorf("struct %s: %s: %v", name, m.Name, err)
		} else if uintptr(size) != f.Type.Size() {
			t.Errorf("struct %s: %s is %d bytes in C, %d in Go", name, m.Name, size, f.Type.Size())
		}
	}
}

// sameName compares a C member name with bpf2go's Go spelling of it
// ("probe_id" and "ProbeId", "_pad" and "Pad").
func sameName(c, goName string) bool {
	return strings.EqualFold(strings.ReplaceAll(c, "_", ""), strings.ReplaceAll(goName, "_", ""))
}

// TestGeneratedConstantsMatchObject compares every enumerator of the shared
// enums in the object's BTF with the constant generated for it, both ways.
func TestGeneratedConstantsMatchObject(t *testing.T) {
	spec, err := loadCollector()
	if err != nil {
		t.Fatal(err)
	}
	consts := generatedConstants(t)
	for name := range generatedTypeNames(t) {
		var e *btf.Enum
		if err := spec.Types.TypeByName(name, &e); err != nil {
			continue // a struct
		}
		prefix := "collector" + goIdentifier(name)
		for _, v := range e.Values {
			goName := prefix + v.Name
			got, ok := consts[goName]
			if !ok {
				t.Errorf("enum %s: %s = %d has no Go constant %s", name, v.Name, v.Value, goName)
				continue
			}
			if got != v.Value {
				t.Errorf("enum %s: %s is %d in C, %d in Go", name, v.Name, v.Value, got)
			}
			delete(consts, goName)
		}
	}
	for name := range consts {
		t.Errorf("Go constant %s has no enumerator in the object", name)
	}
}

// generatedTypeNames reads the -type names of gen.go's bpf2go line.
func generatedTypeNames(t *testing.T) map[string]bool {
	t.Helper()
	src, err := os.ReadFile("gen.go")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, m := range regexp.MustCompile(`-type (\w+)`).FindAllStringSubmatch(string(src), -1) {
		names[m[1]] = true
	}
	if len(names) == 0 {
		t.Fatal("gen.go generates no types")
	}
	return names
}

// generatedConstants reads the enum constants of the generated Go file.
func generatedConstants(t *testing.T) map[string]uint64 {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "collector_x86_bpfel.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint64{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if len(vs.Values) != 1 || !strings.HasPrefix(vs.Names[0].Name, "collectorLt") {
				continue // the object's names
			}
			lit, ok := vs.Values[0].(*ast.BasicLit)
			if !ok {
				t.Fatalf("%s is not a literal", vs.Names[0].Name)
			}
			v, ok := constant.Uint64Val(constant.MakeFromLiteral(lit.Value, lit.Kind, 0))
			if !ok {
				t.Fatalf("%s = %s is not an unsigned number", vs.Names[0].Name, lit.Value)
			}
			out[vs.Names[0].Name] = v
		}
	}
	return out
}

// goIdentifier spells a C type name as bpf2go does: lt_op_code is LtOpCode.
func goIdentifier(c string) string {
	var b strings.Builder
	for _, part := range strings.Split(c, "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// TestEveryMapShared: a map the collector does not create once would be
// created anew by every program that loads, so that two probes would see
// different copies (a stamp written by one and read by another).
func TestEveryMapShared(t *testing.T) {
	spec, err := loadCollector()
	if err != nil {
		t.Fatal(err)
	}
	created := map[string]bool{}
	for _, m := range (&Collector{}).maps() {
		created[m.name] = true
	}
	for name := range spec.Maps {
		if !created[name] && !strings.HasPrefix(name, ".") {
			t.Errorf("map %s is not in Collector.maps", name)
		}
	}
}
