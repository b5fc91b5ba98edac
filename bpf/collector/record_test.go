package collector

import (
	"encoding/binary"
	"testing"
)

// makeRecord builds a record the way collector.bpf.c lays it out.
func makeRecord(t *testing.T, args []uint64, payload []byte) Record {
	t.Helper()
	b := make([]byte, HeaderSize+8*len(args)+len(payload))
	le := binary.LittleEndian
	le.PutUint32(b[offProbeID:], 7)
	le.PutUint32(b[offSize:], uint32(len(b)))
	le.PutUint64(b[offTS:], 123456789)
	le.PutUint32(b[offPID:], 100)
	le.PutUint32(b[offTID:], 101)
	le.PutUint32(b[offUID:], 1000)
	le.PutUint32(b[offGID:], 1001)
	le.PutUint32(b[offCPU:], 1)
	le.PutUint16(b[offNArgs:], uint16(len(args)))
	le.PutUint16(b[offPayload:], uint16(len(payload)))
	le.PutUint64(b[offRetval:], ^uint64(0))
	le.PutUint64(b[offIP:], 0xffffffff81000000)
	copy(b[offComm:], "worker\x00junk")
	for i, a := range args {
		le.PutUint64(b[HeaderSize+8*i:], a)
	}
	copy(b[HeaderSize+8*len(args):], payload)
	return Record(b)
}

func TestRecordDecode(t *testing.T) {
	r := makeRecord(t, []uint64{1, 0xdeadbeefcafebabe}, []byte("tp"))
	if err := r.Check(); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want uint64
	}{
		{"probe id", uint64(r.ProbeID()), 7},
		{"ts", r.Timestamp(), 123456789},
		{"pid", uint64(r.PID()), 100},
		{"tid", uint64(r.TID()), 101},
		{"uid", uint64(r.UID()), 1000},
		{"gid", uint64(r.GID()), 1001},
		{"cpu", uint64(r.CPU()), 1},
		{"nargs", uint64(r.NArgs()), 2},
		{"retval", r.Retval(), ^uint64(0)},
		{"ip", r.IP(), 0xffffffff81000000},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#x, want %#x", c.name, c.got, c.want)
		}
	}
	if a, ok := r.Arg(1); !ok || a != 0xdeadbeefcafebabe {
		t.Errorf("arg1 = %#x %v", a, ok)
	}
	if _, ok := r.Arg(2); ok {
		t.Error("arg2 should be absent")
	}
	if r.Comm() != "worker" {
		t.Errorf("comm %q", r.Comm())
	}
	if string(r.Payload()) != "tp" {
		t.Errorf("payload %q", r.Payload())
	}
}

func TestRecordCheckRejectsBadFraming(t *testing.T) {
	good := makeRecord(t, []uint64{1}, nil)
	tests := []struct {
		name string
		rec  Record
	}{
		{"short", good[:HeaderSize-1]},
		{"truncated args", good[:HeaderSize+4]},
		{"trailing bytes", append(append(Record(nil), good...), 0)},
	}
	for _, tc := range tests {
		if err := tc.rec.Check(); err == nil {
			t.Errorf("%s: Check accepted a bad record", tc.name)
		}
	}
}
