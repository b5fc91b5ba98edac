package sys

import (
	"cmp"
	"math/bits"
	"slices"
	"strconv"
	"syscall"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"github.com/luatrace/luatrace/bpf/attach"
)

// namedBit is one flag of a bit set, with the value this machine's
// kernel uses (taken from golang.org/x/sys/unix for the build's
// architecture, so arm64's O_DIRECTORY is right too).
type namedBit struct {
	name  string
	value uint64
}

// openLargefile is the kernel's O_LARGEFILE: x/sys/unix says 0 on 64-bit
// x86 because user space never needs it, but the kernel sets 0x8000 in
// file->f_flags.
func openLargefile() uint64 {
	if unix.O_LARGEFILE != 0 {
		return uint64(unix.O_LARGEFILE)
	}
	return 0x8000
}

// flagSets are the bit sets stdlib/flags.lua decodes. Access modes of
// open (O_RDONLY/O_WRONLY/O_RDWR) and the exit signal in clone's low byte
// are fields, not bits, and handled in Lua.
var flagSets = map[string][]namedBit{
	"open": {
		{"O_CREAT", unix.O_CREAT}, {"O_EXCL", unix.O_EXCL}, {"O_NOCTTY", unix.O_NOCTTY},
		{"O_TRUNC", unix.O_TRUNC}, {"O_APPEND", unix.O_APPEND}, {"O_NONBLOCK", unix.O_NONBLOCK},
		{"O_DSYNC", unix.O_DSYNC}, {"O_SYNC", unix.O_SYNC}, {"O_ASYNC", unix.O_ASYNC},
		{"O_DIRECT", unix.O_DIRECT}, {"O_LARGEFILE", openLargefile()}, {"O_DIRECTORY", unix.O_DIRECTORY},
		{"O_NOFOLLOW", unix.O_NOFOLLOW}, {"O_NOATIME", unix.O_NOATIME}, {"O_CLOEXEC", unix.O_CLOEXEC},
		{"O_PATH", unix.O_PATH}, {"O_TMPFILE", unix.O_TMPFILE},
	},
	"prot": {
		{"PROT_READ", unix.PROT_READ}, {"PROT_WRITE", unix.PROT_WRITE}, {"PROT_EXEC", unix.PROT_EXEC},
		{"PROT_GROWSDOWN", unix.PROT_GROWSDOWN}, {"PROT_GROWSUP", unix.PROT_GROWSUP},
	},
	"mmap": {
		{"MAP_SHARED", unix.MAP_SHARED}, {"MAP_PRIVATE", unix.MAP_PRIVATE},
		{"MAP_SHARED_VALIDATE", unix.MAP_SHARED_VALIDATE}, {"MAP_FIXED", unix.MAP_FIXED},
		{"MAP_ANONYMOUS", unix.MAP_ANONYMOUS}, {"MAP_GROWSDOWN", unix.MAP_GROWSDOWN},
		{"MAP_DENYWRITE", unix.MAP_DENYWRITE}, {"MAP_EXECUTABLE", unix.MAP_EXECUTABLE},
		{"MAP_LOCKED", unix.MAP_LOCKED}, {"MAP_NORESERVE", unix.MAP_NORESERVE},
		{"MAP_POPULATE", unix.MAP_POPULATE}, {"MAP_NONBLOCK", unix.MAP_NONBLOCK},
		{"MAP_STACK", unix.MAP_STACK}, {"MAP_HUGETLB", unix.MAP_HUGETLB}, {"MAP_SYNC", unix.MAP_SYNC},
		{"MAP_FIXED_NOREPLACE", unix.MAP_FIXED_NOREPLACE},
	},
	"clone": {
		{"CLONE_VM", unix.CLONE_VM}, {"CLONE_FS", unix.CLONE_FS}, {"CLONE_FILES", unix.CLONE_FILES},
		{"CLONE_SIGHAND", unix.CLONE_SIGHAND}, {"CLONE_PIDFD", unix.CLONE_PIDFD},
		{"CLONE_PTRACE", unix.CLONE_PTRACE}, {"CLONE_VFORK", unix.CLONE_VFORK},
		{"CLONE_PARENT", unix.CLONE_PARENT}, {"CLONE_THREAD", unix.CLONE_THREAD},
		{"CLONE_NEWNS", unix.CLONE_NEWNS}, {"CLONE_SYSVSEM", unix.CLONE_SYSVSEM},
		{"CLONE_SETTLS", unix.CLONE_SETTLS}, {"CLONE_PARENT_SETTID", unix.CLONE_PARENT_SETTID},
		{"CLONE_CHILD_CLEARTID", unix.CLONE_CHILD_CLEARTID}, {"CLONE_DETACHED", unix.CLONE_DETACHED},
		{"CLONE_UNTRACED", unix.CLONE_UNTRACED}, {"CLONE_CHILD_SETTID", unix.CLONE_CHILD_SETTID},
		{"CLONE_NEWCGROUP", unix.CLONE_NEWCGROUP}, {"CLONE_NEWUTS", unix.CLONE_NEWUTS},
		{"CLONE_NEWIPC", unix.CLONE_NEWIPC}, {"CLONE_NEWUSER", unix.CLONE_NEWUSER},
		{"CLONE_NEWPID", unix.CLONE_NEWPID}, {"CLONE_NEWNET", unix.CLONE_NEWNET},
		{"CLONE_IO", unix.CLONE_IO}, {"CLONE_CLEAR_SIGHAND", unix.CLONE_CLEAR_SIGHAND},
		{"CLONE_INTO_CGROUP", unix.CLONE_INTO_CGROUP}, {"CLONE_NEWTIME", unix.CLONE_NEWTIME},
	},
}

// decodeOrder sorts bits so that multi-bit names (O_SYNC includes O_DSYNC,
// O_TMPFILE includes O_DIRECTORY) are matched before their parts.
func decodeOrder(set []namedBit) []namedBit {
	out := slices.Clone(set)
	slices.SortStableFunc(out, func(a, b namedBit) int {
		if c := cmp.Compare(bits.OnesCount64(b.value), bits.OnesCount64(a.value)); c != 0 {
			return c
		}
		return cmp.Compare(a.value, b.value)
	})
	return out
}

// capitalize turns Go's "no such file or directory" into strerror(3)'s
// "No such file or directory".
func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// signalName is SIGKILL for 9, SIGRTMIN+3 for real-time signals.
func signalName(n int) string {
	if name := unix.SignalName(syscall.Signal(n)); name != "" {
		return name
	}
	if n >= 34 && n <= 64 {
		return "SIGRTMIN+" + strconv.Itoa(n-34)
	}
	return ""
}

// maxErrno and maxSignal bound the tables (Linux has 133 errnos and 64
// signals).
const (
	maxErrno  = 133
	maxSignal = 64
)

// api is the Go half of stdlib/errno.lua, signals.lua, flags.lua and
// syscalls.lua: the tables, built for this machine.
var api = map[string]lua.LGFunction{
	"errnos": func(L *lua.LState) int {
		names, texts := L.NewTable(), L.NewTable()
		for n := 1; n <= maxErrno; n++ {
			e := syscall.Errno(n)
			if name := unix.ErrnoName(e); name != "" {
				names.RawSetInt(n, lua.LString(name))
				texts.RawSetInt(n, lua.LString(capitalize(e.Error())))
			}
		}
		L.Push(names)
		L.Push(texts)
		return 2
	},
	"signals": func(L *lua.LState) int {
		t := L.NewTable()
		for n := 1; n <= maxSignal; n++ {
			if name := signalName(n); name != "" {
				t.RawSetInt(n, lua.LString(name))
			}
		}
		L.Push(t)
		return 1
	},
	"syscalls": func(L *lua.LState) int {
		t := L.NewTable()
		for nr, name := range attach.SyscallNames() {
			t.RawSetInt(int(nr), lua.LString(name))
		}
		L.Push(t)
		return 1
	},
	"flags": func(L *lua.LState) int {
		name := L.CheckString(1)
		set, ok := flagSets[name]
		if !ok {
			L.ArgError(1, "unknown flag set "+name)
		}
		t := L.NewTable()
		for _, b := range decodeOrder(set) {
			pair := L.NewTable()
			pair.RawSetInt(1, lua.LString(b.name))
			pair.RawSetInt(2, lua.LNumber(b.value))
			t.Append(pair)
		}
		L.Push(t)
		return 1
	},
}
