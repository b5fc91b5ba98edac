package e2e

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// jsonBpftraceProg prints every call of the values workload and feeds
// every kind of map, keyless and keyed (by one part and by two; a
// uprobe's kernel stack is empty, so @ks is keyed by "" and arg1). arg0 is
// lt_value's long: bpftrace reads an untyped uprobe argument as unsigned
// (sums of negative values wrap), luatrace as signed, so it is cast.
const jsonBpftraceProg = `uprobe:VALUES:lt_value /pid == cpid/ {
	$v = (int64)arg0;
	printf("v=%d g=%d\n", $v, arg1);
	@c = count(); @ck[arg1] = count();
	@s = sum($v); @sk[arg1, comm] = sum($v);
	@a = avg($v); @ak[arg1] = avg($v);
	@st = stats($v); @stk[arg1] = stats($v);
	@mn = min($v); @mnk[arg1] = min($v);
	@mx = max($v); @mxk[arg1] = max($v);
	@h = hist($v); @hk[arg1] = hist($v);
	@l = lhist($v, 0, 100, 10); @lk[arg1, comm] = lhist($v, 0, 100, 10);
	@ks[kstack, arg1] = count();
}`

// jsonLuatraceScript is jsonBpftraceProg in luatrace (a probe feeds at
// most two maps, so each pair has its own).
const jsonLuatraceScript = `
local fn = "uprobe:VALUES:lt_value"
c = map.count{}; ck = map.count{ key = "arg1" }
s = map.sum{ value = "arg0" }; sk = map.sum{ key = { "arg1", "comm" }, value = "arg0" }
a = map.avg{ value = "arg0" }; ak = map.avg{ key = "arg1", value = "arg0" }
st = map.stats{ value = "arg0" }; stk = map.stats{ key = "arg1", value = "arg0" }
mn = map.min{ value = "arg0" }; mnk = map.min{ key = "arg1", value = "arg0" }
mx = map.max{ value = "arg0" }; mxk = map.max{ key = "arg1", value = "arg0" }
h = map.hist{ value = "arg0" }; hk = map.hist{ key = "arg1", value = "arg0" }
l = map.lhist{ value = "arg0", min = 0, max = 100, step = 10 }
lk = map.lhist{ key = { "arg1", "comm" }, value = "arg0", min = 0, max = 100, step = 10 }
ks = map.count{ key = { "kstack", "arg1" } }
probe(fn, function(e) printf("v=%d g=%d\n", e.arg0, e.arg1) end)
for _, maps in ipairs{ { c, ck }, { s, sk }, { a, ak }, { st, stk }, { mn, mnk }, { mx, mxk }, { h, hk }, { l, lk }, { ks } } do
  probe(fn, { into = maps })
end`

// TestJSONMatchesBpftrace runs bpftrace 0.17 and luatrace with -f json on
// the values workload and compares their records after parsing: printf
// lines and count, sum, avg, stats, min, max, hist and lhist maps (and a
// key with an empty stack). The
// workload's groups differ in every aggregate, so bpftrace's order of
// keys is fully specified (by value) and compared too.
func TestJSONMatchesBpftrace(t *testing.T) {
	requireRoot(t)
	requireBpftrace(t)
	values := bin(t, "values")
	workload := values + " 3"
	want := jsonRecords(t, runBpftrace(t, strings.ReplaceAll(jsonBpftraceProg, "VALUES", values), workload, "-f", "json"))
	r := luatrace(t, "-f", "json", "-c", workload, "-e", strings.ReplaceAll(jsonLuatraceScript, "VALUES", values)).expectOK(t)
	got := jsonRecords(t, r.stdout)
	if len(got) != len(want) {
		t.Errorf("luatrace wrote %d records, bpftrace %d\nluatrace:\n%s\nbpftrace:\n%s", len(got), len(want), joinLines(got), joinLines(want))
	}
	printfs := 0
	for i := 0; i < len(got) && i < len(want); i++ {
		if want[i].typ == "printf" {
			printfs++
		}
		if !reflect.DeepEqual(got[i].parsed, want[i].parsed) {
			t.Errorf("record %d differs\nluatrace: %s\nbpftrace: %s", i, got[i].line, want[i].line)
		} else if g, w := got[i].keyOrder(t), want[i].keyOrder(t); !reflect.DeepEqual(g, w) {
			t.Errorf("record %d: keys in order %q, bpftrace %q\nluatrace: %s\nbpftrace: %s", i, g, w, got[i].line, want[i].line)
		}
	}
	// 3 rounds of 15 calls, then 17 maps: a silent empty run fails too.
	if printfs != 45 || len(want) != 45+17 {
		t.Errorf("bpftrace wrote %d printf records of %d, want 45 of 62:\n%s", printfs, len(want), joinLines(want))
	}
}

// jsonRecord is one line of -f json output.
type jsonRecord struct {
	line   string
	typ    string
	data   json.RawMessage
	parsed any // the whole line as json.Unmarshal reads it
}

// jsonRecords parses out's JSON lines, leaving out blank lines and
// bpftrace's attached_probes record (luatrace has no such line).
func jsonRecords(t *testing.T, out string) []jsonRecord {
	t.Helper()
	var recs []jsonRecord
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var head struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		rec := jsonRecord{line: line}
		if err := json.Unmarshal([]byte(line), &head); err != nil {
			t.Fatalf("not a JSON record: %q: %v", line, err)
		}
		if err := json.Unmarshal([]byte(line), &rec.parsed); err != nil {
			t.Fatalf("not a JSON record: %q: %v", line, err)
		}
		if head.Type == "attached_probes" {
			continue
		}
		rec.typ, rec.data = head.Type, head.Data
		recs = append(recs, rec)
	}
	return recs
}

// keyOrder is the keys of a map record's value in the order written
// (a keyed map's keys, or a keyless stats map's fields); nil for other
// records and for values that are not objects.
func (r jsonRecord) keyOrder(t *testing.T) []string {
	t.Helper()
	var byName map[string]json.RawMessage
	if r.typ == "printf" || json.Unmarshal(r.data, &byName) != nil {
		return nil
	}
	var keys []string
	for _, raw := range byName {
		dec := json.NewDecoder(bytes.NewReader(raw))
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			continue
		}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				t.Fatalf("record %s: %v", r.line, err)
			}
			keys = append(keys, tok.(string))
			var value json.RawMessage
			if err := dec.Decode(&value); err != nil {
				t.Fatalf("record %s: %v", r.line, err)
			}
		}
	}
	return keys
}

func joinLines(recs []jsonRecord) string {
	var b strings.Builder
	for _, r := range recs {
		b.WriteString(r.line + "\n")
	}
	return b.String()
}
