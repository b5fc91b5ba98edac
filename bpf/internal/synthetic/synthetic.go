// Package synthetic makes collector records that look like a busy
// tracepoint's, for the recording and replay tests and benchmarks: the
// 80-byte header, three arguments and a short captured path, with the
// timestamps, pids and pointers a real trace has.
package synthetic

import (
	"encoding/binary"
	"math/rand/v2"

	"github.com/luatrace/luatrace/bpf/collector"
)

var le = binary.LittleEndian

// Header offsets, as struct lt_header in collector.h.
const (
	offProbeID = 0
	offSize    = 4
	offTS      = 8
	offPID     = 16
	offTID     = 20
	offUID     = 24
	offGID     = 28
	offCPU     = 32
	offNArgs   = 36
	offRetval  = 40
	offComm    = 56
)

var (
	comms = []string{"nginx", "postgres", "bash", "sshd", "systemd-journal", "cat", "python3", "node"}
	paths = []string{"/etc/ld.so.cache", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/proc/self/stat", "/var/log/syslog",
		"/etc/passwd", "/tmp/x", "/home/user/.bashrc", "/sys/fs/cgroup/cpu.max", "/dev/null", "/etc/nsswitch.conf"}
)

// Start is the first record's timestamp.
const Start = 1_000_000_000

// Generator makes records of probes 1..probes, timestamps from Start
// rising by 1 to 20 µs; the same seed makes the same records.
type Generator struct {
	rng    *rand.Rand
	probes int
	ts     uint64
}

// NewGenerator starts a sequence of records.
func NewGenerator(probes int, seed uint64) *Generator {
	return &Generator{rng: rand.New(rand.NewPCG(seed, 0x5eed)), probes: probes, ts: Start}
}

// Next makes the next record.
func (g *Generator) Next() collector.Record {
	rng := g.rng
	g.ts += 1000 + rng.Uint64N(19000)
	task := rng.IntN(len(comms) * 4)
	return Record(uint32(1+rng.IntN(g.probes)), g.ts, uint32(1000+task), comms[task%len(comms)],
		[]uint64{0xffffff9c, 0x7ffd_0000_0000 + rng.Uint64N(1<<20)&^7, uint64(rng.IntN(4)) << 16},
		paths[rng.IntN(len(paths))])
}

// Records makes the first n records of NewGenerator(probes, seed).
func Records(n, probes int, seed uint64) []collector.Record {
	g := NewGenerator(probes, seed)
	out := make([]collector.Record, n)
	for i := range out {
		out[i] = g.Next()
	}
	return out
}

// Record builds one record: header, args, no tracepoint payload and str
// as one captured field.
func Record(probe uint32, ts uint64, pid uint32, comm string, args []uint64, str string) collector.Record {
	field := len(str) + 1
	size := collector.HeaderSize + 8*len(args) + 4 + (field+3)&^3
	b := make([]byte, size)
	le.PutUint32(b[offProbeID:], probe)
	le.PutUint32(b[offSize:], uint32(size))
	le.PutUint64(b[offTS:], ts)
	le.PutUint32(b[offPID:], pid)
	le.PutUint32(b[offTID:], pid)
	le.PutUint32(b[offUID:], 1000)
	le.PutUint32(b[offGID:], 1000)
	le.PutUint32(b[offCPU:], pid%2)
	le.PutUint16(b[offNArgs:], uint16(len(args)))
	le.PutUint64(b[offRetval:], 0)
	copy(b[offComm:offComm+15], comm)
	at := collector.HeaderSize
	for _, a := range args {
		le.PutUint64(b[at:], a)
		at += 8
	}
	le.PutUint16(b[at:], uint16(field))
	copy(b[at+4:], str)
	return collector.Record(b)
}
