package recording

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/internal/synthetic"
)

func testHeader(t *testing.T) Header {
	t.Helper()
	h, err := HostHeader("test")
	if err != nil {
		t.Fatal(err)
	}
	return h
}

var (
	testScript = Script{Name: "opens.lua", Source: `probe("tracepoint:syscalls:sys_enter_openat", function(e) end)`, Args: []string{"5"},
		Modules: map[string]string{"mylib": "return {}"}}
	testProbe = Probe{ID: 1, Spec: "tracepoint:syscalls:sys_enter_open*", Target: "tracepoint:syscalls:sys_enter_openat",
		Func: "sys_enter_openat", Program: "tracepoint", Args: 3, Fetches: 1, TracepointFormat: "name: sys_enter_openat\nID: 1\n",
		Fields: []Field{
			{Name: "path", Expr: "str(args.filename)", Type: TypeString, Source: SourceFetch, Fetch: 0},
			{Name: "us", Expr: "nsecs / 1000", Type: TypeUint, Source: SourceDerived, Derived: &Derived{Op: "/",
				L: &Derived{Leaf: &Field{Name: "nsecs", Type: TypeUint, Source: SourceHeader, Header: "nsecs"}}, R: &Derived{Const: ptr(int64(1000))}}},
		},
		Maps: []MapFeed{{Map: "lat", Kind: "hist", Keys: []string{"comm"}, KeyFields: []string{"comm"}, Value: "duration", ValueField: "duration"}}}
	testMappings = Mappings{Time: 5, PID: 42, Comm: "cat", Maps: []Mapping{{Start: 0x5555_0000_0000, End: 0x5555_0001_0000, Offset: 0x1000,
		Perms: "r-xp", Dev: "08:01", Inode: 1234, Path: "/usr/bin/cat", BuildID: "0123abcd"}}}
	testSymbols = SymbolTable{Object: "[kernel]", Symbols: []Symbol{{Addr: 0xffffffff81000000, Size: 16, Name: "_stext"}, {Addr: 0xffffffff81000010, Name: "vfs_read"}}}
	testDrops   = Drops{Time: 9, Probes: []ProbeDrops{{ID: 1, Hits: 100, Filtered: 3, RingFull: 2, Nested: 1, QueueFull: 4, Discarded: 5}}}
	testMap     = MapSnapshot{Time: 10, Name: "lat", Kind: "hist", KeyNames: []string{"comm"}, Lost: 1,
		Entries: []MapEntry{{Key: []any{"cat"}, Bucket: 3, Count: 2, Sum: 5, Min: 2, Max: 3}}}
)

func ptr[T any](v T) *T { return &v }

// item is what a reader returned, in comparable form.
type item struct {
	kind Kind
	rec  string
	v    any
}

// reader is what Reader and Series share.
type reader interface {
	Next() bool
	Kind() Kind
	Record() collector.Record
	Item() any
	Err() error
}

func readAll(t *testing.T, r reader) []item {
	t.Helper()
	var out []item
	for r.Next() {
		it := item{kind: r.Kind(), v: r.Item()}
		if r.Kind() == KindEvents {
			it.rec = string(r.Record())
		}
		out = append(out, it)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func records(items []item) []string {
	var out []string
	for _, it := range items {
		if it.kind == KindEvents {
			out = append(out, it.rec)
		}
	}
	return out
}

func recordStrings(recs []collector.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = string(r)
	}
	return out
}

// TestRoundTrip writes every item kind and reads back exactly what was
// written, in order, with the file closed cleanly.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"one block", Options{}},
		{"tiny blocks", Options{FlushBytes: 300}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "rec")
			h := testHeader(t)
			w, err := Create(path, h, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			recs := synthetic.Records(50, 2, 1)
			steps := []func() error{
				func() error { return w.AddScript(testScript) },
				func() error { return w.AddProbe(testProbe) },
				func() error { return w.AddSymbols(testSymbols) },
				func() error { return w.AddMappings(testMappings) },
				func() error { return w.WriteRecords(recs[:20]) },
				func() error { return w.WriteDrops(testDrops) },
				func() error { return w.WriteRecord(recs[20]) },
				func() error { return w.WriteRecords(recs[21:]) },
				func() error { return w.WriteMap(testMap) },
			}
			for _, step := range steps {
				if err := step(); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			want := []item{{kind: KindScript, v: &testScript}, {kind: KindProbe, v: &testProbe}, {kind: KindSymbols, v: &testSymbols},
				{kind: KindMappings, v: &testMappings}}
			for _, r := range recs[:20] {
				want = append(want, item{kind: KindEvents, rec: string(r)})
			}
			want = append(want, item{kind: KindDrops, v: &testDrops})
			for _, r := range recs[20:] {
				want = append(want, item{kind: KindEvents, rec: string(r)})
			}
			// JSON numbers come back as float64 in an any.
			m := testMap
			m.Entries = []MapEntry{{Key: []any{"cat"}, Bucket: 3, Count: 2, Sum: 5, Min: 2, Max: 3}}
			want = append(want, item{kind: KindMap, v: &m})

			r, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got := readAll(t, r)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("read back %d items, want %d:\n got %+v\nwant %+v", len(got), len(want), got, want)
			}
			gh := r.Header()
			if !gh.StartWall.Equal(h.StartWall) || gh.StartMonotonic != h.StartMonotonic || gh.Host != h.Host ||
				gh.KernelRelease != h.KernelRelease || gh.Version != strconv.Itoa(VersionMajor)+"."+strconv.Itoa(VersionMinor) || gh.ID == "" || gh.LuatraceVersion != "test" {
				t.Errorf("header %+v, wrote %+v", gh, h)
			}
			end := r.Ending()
			if !end.Complete() || end.Truncated || end.Corrupt || end.End.Reason != EndClosed || end.End.Events != uint64(len(recs)) {
				t.Errorf("ending %+v (end %+v)", end, end.End)
			}
			st := w.Stats()
			if st.Events != uint64(len(recs)) || st.Files != 1 || st.FileBytes != fileSize(t, path) {
				t.Errorf("stats %+v, file of %d bytes", st, fileSize(t, path))
			}
		})
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestInvalidRecordsCounted: malformed records are refused and counted,
// in the stats and in the End item.
func TestInvalidRecordsCounted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec")
	w, err := Create(path, testHeader(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	good := synthetic.Records(2, 1, 1)
	bad := []collector.Record{nil, collector.Record(make([]byte, 10)), good[0][:len(good[0])-1]}
	if err := w.WriteRecords(append(append([]collector.Record{good[0]}, bad...), good[1])); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if st := w.Stats(); st.Events != 2 || st.Invalid != 3 {
		t.Errorf("stats %+v, want 2 events and 3 invalid", st)
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := records(readAll(t, r)); !reflect.DeepEqual(got, recordStrings(good)) {
		t.Errorf("read %d records, want the 2 good ones", len(got))
	}
	if end := r.Ending().End; end == nil || end.Invalid != 3 || end.Events != 2 {
		t.Errorf("end item %+v", end)
	}
}

// TestFlushInterval: records reach the file within the flush interval
// without Flush or Close.
func TestFlushInterval(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec")
	w, err := Create(path, testHeader(t), Options{FlushInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rec := synthetic.Records(1, 1, 1)[0]
	if err := w.WriteRecord(rec); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		got := records(readAll(t, r))
		r.Close()
		if len(got) == 1 && got[0] == string(rec) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("record not in the file 10 s after it was written, with a 5 ms flush interval")
		}
		time.Sleep(time.Millisecond) // polling the file: nothing to wait on
	}
}

// TestOpenErrors: what is not a recording gets one sentence.
func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	major2 := append([]byte(Magic), 2, 0, 0, 0, 0, 0, 0, 0)
	tests := []struct {
		name    string
		content []byte
		want    string
	}{
		{"empty", nil, "shorter than its file header"},
		{"text", []byte("hello, this is not a recording at all"), "bad magic"},
		{"newer major version", major2, "format version 2.0 is not supported"},
		{"header only", appendFileHeader(nil), "has no header"},
		{"damaged first frame", damagedFirstFrame(t), "recording is damaged before its header (frame at byte 16: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"))
			if err := os.WriteFile(p, tc.content, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Open(p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open: %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

// TestCreateRefusesSymlink: the recording does not follow a link planted
// at its name.
func TestCreateRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "victim")
	if err := os.WriteFile(target, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "rec")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	_, err := Create(link, testHeader(t), Options{})
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("Create through a symlink: %v", err)
	}
	if b, _ := os.ReadFile(target); !bytes.Equal(b, []byte("keep")) {
		t.Errorf("link target changed to %q", b)
	}
}

// TestUnknownItemsSkipped: a reader passes over item kinds and JSON
// fields of a newer minor version.
func TestUnknownItemsSkipped(t *testing.T) {
	var buf bytes.Buffer
	buf.Write(appendFileHeader(nil))
	enc, err := newFrameEncoder(zstd.SpeedFastest)
	if err != nil {
		t.Fatal(err)
	}
	rec := synthetic.Records(1, 1, 1)[0]
	var block []byte
	block = appendItem(block, KindHeader, []byte(`{"version":"1.7","recording_id":"ab","future_field":[1,2]}`))
	block = appendItem(block, Kind(200), []byte("anything"))
	block = appendItem(block, KindProbe, []byte(`{"id":3,"spec":"x","target":"x","program":"tracepoint","args":0,"fetches":0,"new":true}`))
	block = appendItem(block, KindEvents, append(binary.AppendUvarint(nil, uint64(len(rec))), rec...))
	buf.Write(enc.encode(block))
	r, err := NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, r)
	want := []item{{kind: Kind(200)}, {kind: KindProbe, v: &Probe{ID: 3, Spec: "x", Target: "x", Program: "tracepoint"}}, {kind: KindEvents, rec: string(rec)}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if r.Header().Version != "1.7" {
		t.Errorf("header %+v", r.Header())
	}
}

// damagedFirstFrame is a closed recording with a byte of its first frame,
// the one holding the recording header, flipped.
func damagedFirstFrame(t *testing.T) []byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "rec")
	w, err := Create(p, testHeader(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[fileHeaderSize+frameHeaderSize+2] ^= 0xff
	return b
}
