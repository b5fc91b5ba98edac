package recording

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/internal/synthetic"
)

// smallRecording writes n records in blocks of about 512 bytes and
// returns the file's bytes.
func smallRecording(t *testing.T, n int) ([]byte, []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rec")
	w, err := Create(path, testHeader(t), Options{FlushBytes: 512})
	if err != nil {
		t.Fatal(err)
	}
	recs := synthetic.Records(n, 1, 7)
	if err := w.AddProbe(testProbe); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRecords(recs); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b, recordStrings(recs)
}

// readPrefix reads what a damaged file holds: no error, a prefix of the
// records, and an ending that says the file was cut or damaged.
func readPrefix(t *testing.T, b []byte, all []string) (got []string, end Ending, ok bool) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, Ending{}, false // cut before the header's frame ended
	}
	got = records(readAll(t, r))
	if len(got) > len(all) || len(got) > 0 && !reflect.DeepEqual(got, all[:len(got)]) {
		t.Fatalf("%d bytes: read %d records that are not a prefix of the %d written", len(b), len(got), len(all))
	}
	return got, r.Ending(), true
}

// TestTruncatedAtEveryByte: a file cut at any byte reads back as a prefix
// of its records, the reader saying it was cut short; the longer the
// file, the more records.
func TestTruncatedAtEveryByte(t *testing.T) {
	file, all := smallRecording(t, 80)
	prev := 0
	for n := 0; n < len(file); n++ {
		got, end, ok := readPrefix(t, file[:n], all)
		if !ok {
			continue
		}
		if !end.Truncated || end.Complete() || end.Corrupt || end.Offset > int64(n) {
			t.Fatalf("cut at %d of %d bytes: ending %+v", n, len(file), end)
		}
		if len(got) < prev {
			t.Fatalf("cut at %d bytes: %d records, fewer than %d at a shorter cut", n, len(got), prev)
		}
		prev = len(got)
	}
	if got, end, _ := readPrefix(t, file, all); len(got) != len(all) || !end.Complete() {
		t.Errorf("whole file: %d records, ending %+v", len(got), end)
	}
	if prev < len(all)*3/4 {
		t.Errorf("the longest cut read %d of %d records: blocks of 512 bytes should lose less", prev, len(all))
	}
}

// TestCorruptByte: a damaged byte anywhere after the header stops reading
// at the damaged frame, with what came before intact.
func TestCorruptByte(t *testing.T) {
	file, all := smallRecording(t, 80)
	for at := fileHeaderSize; at < len(file); at += 7 {
		b := bytes.Clone(file)
		b[at] ^= 0x40
		_, end, ok := readPrefix(t, b, all)
		if !ok {
			continue
		}
		if end.Complete() || !(end.Corrupt || end.Truncated) || end.Offset > int64(at) {
			t.Fatalf("byte %d damaged: ending %+v", at, end)
		}
	}
}

const killChildEnv = "LUATRACE_RECORDING_KILL_CHILD"

// TestKill9 kills a recorder process with SIGKILL while it writes; the
// file holds every record flushed before the kill, in order, and reads
// back cleanly as cut short.
func TestKill9(t *testing.T) {
	if path := os.Getenv(killChildEnv); path != "" {
		recordUntilKilled(path)
		return
	}
	path := filepath.Join(t.TempDir(), "rec")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9$", "-test.count=1")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The child reports each flush; kill it after the fifth.
	acked := 0
	sc := bufio.NewScanner(out)
	for flushes := 0; flushes < 5 && sc.Scan(); {
		if n, ok := strings.CutPrefix(sc.Text(), "flushed "); ok {
			acked, _ = strconv.Atoi(n)
			flushes++
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if acked == 0 {
		t.Fatal("the recorder child reported no flush")
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := records(readAll(t, r))
	all := recordStrings(synthetic.Records(len(got), 2, 9))
	if len(got) < acked || !reflect.DeepEqual(got, all) {
		t.Errorf("read %d records after the kill; %d were flushed before it, all in order: %v", len(got), acked, reflect.DeepEqual(got, all))
	}
	if end := r.Ending(); end.Complete() || !end.Truncated {
		t.Errorf("ending %+v, want cut short", end)
	}
	t.Logf("killed after %d flushed records; the file holds %d", acked, len(got))
}

// recordUntilKilled is the child of TestKill9: it records batches of
// records and says how many are flushed, until it is killed.
func recordUntilKilled(path string) {
	h, err := HostHeader("test")
	if err != nil {
		panic(err)
	}
	w, err := Create(path, h, Options{FlushBytes: 4096})
	if err != nil {
		panic(err)
	}
	if err := w.AddProbe(testProbe); err != nil {
		panic(err)
	}
	const batch = 100
	// The same seed makes every prefix the parent checks reproducible.
	gen := synthetic.NewGenerator(2, 9)
	recs := make([]collector.Record, batch)
	for i := 0; ; i += batch {
		for j := range recs {
			recs[j] = gen.Next()
		}
		if err := w.WriteRecords(recs); err != nil {
			panic(err)
		}
		if i%(10*batch) == 0 {
			if err := w.Flush(); err != nil {
				panic(err)
			}
			fmt.Printf("flushed %d\n", i+batch)
		}
	}
}
