package recording

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The metadata items are JSON objects, so that a reader in any language
// decodes them with its standard library and skips fields it does not
// know. docs/recording.md documents every field.

// Header describes the recording and the machine it was made on. It is
// the first item of every file; the files of one rotated recording share
// ID and count Sequence up from 0.
type Header struct {
	// Version is the format version, "MAJOR.MINOR".
	Version string `json:"version"`
	// ID identifies the recording across its rotated files (32 hex digits).
	ID string `json:"recording_id"`
	// Sequence is the file's place in the recording: 0 for FILE, n for FILE.n.
	Sequence int `json:"sequence"`
	// Host is the machine's host name.
	Host string `json:"host"`
	// KernelRelease and KernelVersion are uname -r and uname -v; Machine
	// is uname -m.
	KernelRelease string `json:"kernel_release"`
	KernelVersion string `json:"kernel_version,omitempty"`
	Machine       string `json:"machine"`
	// ByteOrder is the byte order of records' binary fields: "little" or "big".
	ByteOrder string `json:"byte_order"`
	// BootID is /proc/sys/kernel/random/boot_id: monotonic timestamps of
	// recordings with the same boot id are comparable.
	BootID string `json:"boot_id,omitempty"`
	// CPUs is the number of possible CPUs.
	CPUs int `json:"cpus,omitempty"`
	// LuatraceVersion is the recorder's version.
	LuatraceVersion string `json:"luatrace_version"`
	// StartWall is when the recording started, and StartMonotonic the
	// CLOCK_MONOTONIC nanoseconds at that moment: an event's wall time is
	// StartWall + (timestamp - StartMonotonic).
	StartWall      time.Time `json:"start_wall"`
	StartMonotonic uint64    `json:"start_monotonic_ns"`
}

// WallTime converts a record's timestamp to wall-clock time.
func (h Header) WallTime(ts uint64) time.Time {
	return h.StartWall.Add(time.Duration(int64(ts - h.StartMonotonic)))
}

// Script is the program that made the recording, so that a replay without
// a script of its own runs the same one.
type Script struct {
	// Name is the script's path, or "-e" for code from the command line.
	Name string `json:"name"`
	// Source is the script's text.
	Source string `json:"source"`
	// Args are the script's arguments.
	Args []string `json:"args,omitempty"`
	// Modules are the sources of the modules it required from outside the
	// built-in library, by module name.
	Modules map[string]string `json:"modules,omitempty"`
}

// Probe describes one attached probe: what produced the records that
// carry its ID, and how to decode them without the recording machine's
// kernel (no BTF, no tracefs needed at replay).
type Probe struct {
	// ID is the probe id in the records' headers.
	ID uint32 `json:"id"`
	// Group numbers the probe() call that attached the target, from 1:
	// the targets of one wildcard share it, and a replay matches the
	// script's probe() calls to groups in order.
	Group int `json:"group"`
	// Spec is the probe as the script wrote it ("tracepoint:syscalls:sys_enter_*").
	Spec string `json:"spec"`
	// Target is the concrete probe ("tracepoint:syscalls:sys_enter_openat"),
	// Func its function or event name (e.func).
	Target string `json:"target"`
	Func   string `json:"func,omitempty"`
	// Program is the collector entry program: kprobe, kretprobe, uprobe,
	// uretprobe, tracepoint, raw_tracepoint, tp_btf, fentry, fexit,
	// perf_event.
	Program string `json:"program"`
	// Path, BuildID and Address locate a uprobe: the binary, its GNU
	// build-id and the file offset attached at.
	Path    string `json:"path,omitempty"`
	BuildID string `json:"build_id,omitempty"`
	Address Hex    `json:"address,omitempty"`
	// Args is how many 64-bit arguments each record carries.
	Args int `json:"args"`
	// Params are the function's parameters (e.args) when BTF knew them.
	Params []Param `json:"params,omitempty"`
	// TracepointFormat is the tracepoint's format file: it decodes the
	// raw tracepoint record each record carries as its payload.
	TracepointFormat string `json:"tracepoint_format,omitempty"`
	// USDTArgs is how many arguments a usdt probe has (captured as the
	// fields arg0..).
	USDTArgs int `json:"usdt_args,omitempty"`
	// Fetches is how many captured-field sections follow each record's
	// payload (collector.Record.Fields's argument).
	Fetches int `json:"fetches"`
	// Fields are the named values the script asked for (e.NAME).
	Fields []Field `json:"fields,omitempty"`
	// Filter is the probe's filter expression, for the record.
	Filter string `json:"filter,omitempty"`
	// Maps are the in-kernel maps the probe fed, so that a replay can
	// rebuild them from the records.
	Maps []MapFeed `json:"maps,omitempty"`
}

// ProgramInterval is the Program of an interval probe's description: it
// has no records, only Tick items.
const ProgramInterval = "interval"

// Tick is a tick of an interval probe in the recorded run, in its place
// among the records, so that a replay of the same script fires it at the
// same point of the event stream.
type Tick struct {
	// Time is the CLOCK_MONOTONIC nanoseconds of the tick.
	Time uint64 `json:"ts"`
	// Group is the interval probe's description's Group.
	Group int `json:"group"`
}

// Answer is what the recording machine answered a question a script
// asked it outside its events: the contents of a file (/proc, /sys), a
// link's target, a kernel symbol, a kernel type. A replay serves the
// answers instead of asking the replaying machine.
type Answer struct {
	// Question is what was asked ("read", "readlink", "ksym", "kaddr",
	// "kernel.enum", ...) and Arg of what: a path, an address, a name.
	Question string `json:"q"`
	Arg      string `json:"arg"`
	// Data is the answer (base64 in JSON: files need not be text).
	Data []byte `json:"data,omitempty"`
	// Errno and Err say why there is no answer: the system error number
	// (ENOENT for a file that does not exist) when there is one, and the
	// message.
	Errno int    `json:"errno,omitempty"`
	Err   string `json:"err,omitempty"`
}

// Param is a function parameter as BTF describes it.
type Param struct {
	Name string `json:"name"`
	// Size is the C type's size in bytes (8 for pointers); Signed says
	// whether the value sign-extends.
	Size   int  `json:"size"`
	Signed bool `json:"signed,omitempty"`
	// Type is the C type's name ("struct file *"), for display.
	Type string `json:"type,omitempty"`
}

// Field types: what a decoded field is.
const (
	TypeInt    = "int"    // signed integer
	TypeUint   = "uint"   // unsigned integer
	TypeString = "string" // NUL-terminated text
	TypeBytes  = "bytes"  // raw bytes
	TypeKStack = "kstack" // kernel stack: 64-bit addresses
	TypeUStack = "ustack" // user stack: 64-bit addresses
	// TypeUSample is ustack(dwarf): user registers (struct pt_regs) and
	// the top of the user stack, unwound with the recorded mappings.
	TypeUSample = "usample"
	// TypeKStackID and TypeUStackID are stacks stored by id (the parts a
	// stamp saved, since 1.2): the section's 8 bytes hold the id in the
	// low half and, for user stacks, the process in the upper half; the
	// frames are in a Stack item of that id.
	TypeKStackID = "kstack_id"
	TypeUStackID = "ustack_id"
	// TypeUBuildID is ustack(buildid): struct bpf_stack_build_id per
	// frame, named through the recorded files of those build-ids.
	TypeUBuildID = "ubuildid"
)

// Field sources: where a field's value is in a record.
const (
	SourceHeader  = "header"  // a record header value, named by Header
	SourceFetch   = "fetch"   // captured-field section Fetch
	SourceDerived = "derived" // computed from other values by Derived
)

// Field is one captured field and how to decode it from a record.
type Field struct {
	// Name is the field's name (e.NAME); Expr the expression that made it.
	Name string `json:"name"`
	Expr string `json:"expr"`
	// Type is one of the Type constants.
	Type string `json:"type"`
	// Source is one of the Source constants.
	Source string `json:"source"`
	// Header names the header value: pid, tid, uid, gid, comm, cpu,
	// nsecs, duration.
	Header string `json:"header,omitempty"`
	// Fetch is the captured-field section (0-based) holding the value.
	Fetch int `json:"fetch,omitempty"`
	// Size is the integer's size in bytes (1, 2, 4 or 8; 0 means 8):
	// the section's 8 bytes are cut to it, then sign-extended if Signed.
	Size   int  `json:"size,omitempty"`
	Signed bool `json:"signed,omitempty"`
	// BitOffset and BitSize extract a bitfield from the value (BitSize 0:
	// not a bitfield).
	BitOffset uint32 `json:"bit_offset,omitempty"`
	BitSize   uint32 `json:"bit_size,omitempty"`
	// Derived is the computation for SourceDerived.
	Derived *Derived `json:"derived,omitempty"`
}

// Derived is an expression tree over decoded integers: a constant, a leaf
// field, a unary operator ("-", "~", "!") on L, or a binary operator (C's
// arithmetic, bit, comparison and logic operators) on L and R.
type Derived struct {
	Op    string   `json:"op,omitempty"`
	L     *Derived `json:"l,omitempty"`
	R     *Derived `json:"r,omitempty"`
	Const *int64   `json:"const,omitempty"`
	Leaf  *Field   `json:"leaf,omitempty"`
}

// MapFeed is one in-kernel map a probe updated, described by the record
// fields that hold its key parts and value.
type MapFeed struct {
	// Map is the map's name in the script.
	Map string `json:"map"`
	// Kind is count, sum, min, max, avg, stats, hist or lhist.
	Kind string `json:"kind"`
	// Keys are the key expressions, KeyFields the probe's fields holding
	// their values (same order).
	Keys      []string `json:"keys,omitempty"`
	KeyFields []string `json:"key_fields,omitempty"`
	// Value is the value expression, ValueField the field holding it
	// (empty for a count).
	Value      string `json:"value,omitempty"`
	ValueField string `json:"value_field,omitempty"`
	// Min, Max and Step are a linear histogram's bounds.
	Min  int64 `json:"min,omitempty"`
	Max  int64 `json:"max,omitempty"`
	Step int64 `json:"step,omitempty"`
}

// Mappings is a snapshot of one process's memory mappings, taken when the
// recorder first saw the process or saw it exec; with the build-ids (or
// symbol tables, see SymbolTable) it symbolizes user stacks later.
type Mappings struct {
	// Time is the CLOCK_MONOTONIC nanoseconds of the snapshot.
	Time uint64 `json:"ts"`
	PID  uint32 `json:"pid"`
	Comm string `json:"comm,omitempty"`
	// Maps are the executable mappings.
	Maps []Mapping `json:"maps"`
}

// Mapping is one line of /proc/PID/maps.
type Mapping struct {
	Start  Hex    `json:"start"`
	End    Hex    `json:"end"`
	Offset Hex    `json:"offset"`
	Perms  string `json:"perms,omitempty"`
	Dev    string `json:"dev,omitempty"` // "major:minor", as in /proc/PID/maps
	Inode  uint64 `json:"inode,omitempty"`
	Path   string `json:"path,omitempty"`
	// BuildID is the GNU build-id of the mapped file, hex.
	BuildID string `json:"build_id,omitempty"`
}

// Stack is the frames of a stack that records name by id (TypeKStackID,
// TypeUStackID): the kernel's stack map keeps one id per distinct stack
// for the whole trace, so each id is written once.
type Stack struct {
	ID     uint32 `json:"id"`
	Frames []Hex  `json:"frames"`
}

// SymbolTable is the function symbols of one object, for symbolizing
// where the object itself will not be available. The kernel's table is
// written whole, once; a user object's (since 1.2) holds the symbols its
// frames were named with, in tables written as new ones are hit, each
// symbol once: all tables of a build-id add up to what it needs.
type SymbolTable struct {
	// Object is the file's path, or "[kernel]" for the kernel (kallsyms)
	// or "[module NAME]".
	Object  string `json:"object"`
	BuildID string `json:"build_id,omitempty"`
	// Segments are a user object's loaded segments (since 1.2): they turn
	// a mapping's file offsets into the addresses its Symbols use.
	Segments []Segment `json:"segments,omitempty"`
	// Symbols are sorted by address. User objects' addresses are the
	// file's virtual addresses (as in its symbol table); the kernel's are
	// run-time addresses.
	Symbols []Symbol `json:"symbols"`
}

// Segment is a PT_LOAD program header of a user object: Size bytes at
// file offset Offset are linked at VAddr.
type Segment struct {
	Offset Hex    `json:"offset"`
	VAddr  Hex    `json:"vaddr"`
	Size   uint64 `json:"size"`
}

// Symbol is one function.
type Symbol struct {
	Addr Hex    `json:"addr"`
	Size uint64 `json:"size,omitempty"`
	Name string `json:"name"`
}

// Drops are the loss counters at a moment, per probe; each counter counts
// from the start of the recording, so the last Drops item of a recording
// holds its totals.
type Drops struct {
	// Time is the CLOCK_MONOTONIC nanoseconds of the reading.
	Time   uint64       `json:"ts"`
	Probes []ProbeDrops `json:"probes"`
}

// ProbeDrops are one probe's counters.
type ProbeDrops struct {
	ID uint32 `json:"id"`
	// Hits are the probe's firings; Filtered those its filter rejected
	// in the kernel.
	Hits     uint64 `json:"hits"`
	Filtered uint64 `json:"filtered,omitempty"`
	// RingFull were lost because the ring buffer was full, Nested because
	// the CPU's scratch slot was busy (a probe fired inside another).
	RingFull uint64 `json:"ring_full,omitempty"`
	Nested   uint64 `json:"nested,omitempty"`
	// QueueFull were read from the ring buffer but found the queue to the
	// recorder full; Discarded were still queued when the recording
	// stopped.
	QueueFull uint64 `json:"queue_full,omitempty"`
	Discarded uint64 `json:"discarded,omitempty"`
}

// MapSnapshot is an in-kernel map's contents at a moment.
type MapSnapshot struct {
	// Time is the CLOCK_MONOTONIC nanoseconds of the reading.
	Time uint64 `json:"ts"`
	Name string `json:"name"`
	// Kind is count, sum, min, max, avg, stats, hist or lhist.
	Kind string `json:"kind"`
	// KeyNames name the key parts.
	KeyNames []string `json:"key_names,omitempty"`
	// Min, Max and Step are a linear histogram's bounds.
	Min  int64 `json:"min,omitempty"`
	Max  int64 `json:"max,omitempty"`
	Step int64 `json:"step,omitempty"`
	// Lost is how many updates the map dropped (full, or a stack not stored).
	Lost    uint64     `json:"lost,omitempty"`
	Entries []MapEntry `json:"entries"`
}

// MapEntry is one key's aggregate (one bucket's, for histograms).
type MapEntry struct {
	// Key holds the key parts: a string (comm, a captured string), a
	// number, or a stack as a list of hex addresses.
	Key []any `json:"key,omitempty"`
	// Bucket is the histogram bucket index: for hist, 0 holds negative
	// values, 1 zero, i ≥ 2 [2^(i-2), 2^(i-1)); for lhist, 0 holds values
	// below Min, i ≥ 1 [Min+(i-1)·Step, Min+i·Step), the last one ≥ Max.
	Bucket uint64 `json:"bucket,omitempty"`
	Count  int64  `json:"count"`
	Sum    int64  `json:"sum"`
	Min    int64  `json:"min"`
	Max    int64  `json:"max"`
}

// End closes a file: a file without one was cut short (the recorder was
// killed or crashed).
type End struct {
	// Time and Wall are when the file was closed.
	Time uint64    `json:"ts"`
	Wall time.Time `json:"wall"`
	// Reason is "closed" (the recording ended) or "rotated" (it goes on
	// in Next, a file name relative to this file's folder).
	Reason string `json:"reason"`
	Next   string `json:"next,omitempty"`
	// Events is how many records this file holds; Invalid how many the
	// writer refused as malformed.
	Events  uint64 `json:"events"`
	Invalid uint64 `json:"invalid,omitempty"`
}

// End reasons.
const (
	EndClosed  = "closed"
	EndRotated = "rotated"
)

// Hex is a 64-bit address, written in JSON as a "0x..." string: kernel
// addresses exceed 2^53, which many JSON readers cannot hold as numbers.
type Hex uint64

// MarshalJSON writes h as a quoted hex string.
func (h Hex) MarshalJSON() ([]byte, error) {
	return []byte(`"0x` + strconv.FormatUint(uint64(h), 16) + `"`), nil
}

// UnmarshalJSON reads a quoted hex string (or, leniently, a number).
func (h *Hex) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 64)
	if !strings.HasPrefix(s, "0x") {
		v, err = strconv.ParseUint(s, 10, 64)
	}
	if err != nil {
		return fmt.Errorf("address %s is not a hex string: %w", b, err)
	}
	*h = Hex(v)
	return nil
}
