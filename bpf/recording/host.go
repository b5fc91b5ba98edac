package recording

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// HostHeader describes this machine and the present moment, for Create.
func HostHeader(luatraceVersion string) (Header, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return Header{}, fmt.Errorf("read kernel release: %w", err)
	}
	host, err := os.Hostname()
	if err != nil {
		return Header{}, fmt.Errorf("read host name: %w", err)
	}
	id, err := newRecordingID()
	if err != nil {
		return Header{}, err
	}
	boot, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	h := Header{
		ID:              id,
		Host:            host,
		KernelRelease:   unix.ByteSliceToString(u.Release[:]),
		KernelVersion:   unix.ByteSliceToString(u.Version[:]),
		Machine:         unix.ByteSliceToString(u.Machine[:]),
		ByteOrder:       nativeByteOrder(),
		BootID:          strings.TrimSpace(string(boot)),
		LuatraceVersion: luatraceVersion,
	}
	if cpus, err := ebpf.PossibleCPU(); err == nil {
		h.CPUs = cpus
	}
	// Wall and monotonic clocks read back to back: the pair maps event
	// timestamps to wall time.
	h.StartWall = time.Now().UTC()
	h.StartMonotonic = monotonicNow()
	return h, nil
}

func newRecordingID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("make recording id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// nativeByteOrder names the byte order records are written in: the
// kernel's, which is the machine's.
func nativeByteOrder() string {
	if binary.NativeEndian.Uint16([]byte{1, 0}) == 1 {
		return "little"
	}
	return "big"
}

// Now is the CLOCK_MONOTONIC time in nanoseconds, the clock of records'
// timestamps.
func Now() uint64 { return monotonicNow() }
