package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// loopDevice attaches a fresh 8 MiB file as a loop device.
func loopDevice(t *testing.T) string {
	t.Helper()
	img := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(img, make([]byte, 8<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("losetup", "-f", "--show", img).CombinedOutput()
	if err != nil {
		t.Fatalf("losetup: %v\n%s", err, out)
	}
	dev := strings.TrimSpace(string(out))
	t.Cleanup(func() { exec.Command("losetup", "-d", dev).Run() })
	return dev
}

// directWrites writes n 4 KiB blocks to dev with O_DIRECT: n requests.
func directWrites(t *testing.T, dev string, n string) {
	t.Helper()
	if out, err := exec.Command("dd", "if=/dev/zero", "of="+dev, "bs=4096", "count="+n, "oflag=direct").CombinedOutput(); err != nil {
		t.Fatalf("dd: %v\n%s", err, out)
	}
}

// TestBiosnoopTool sees each direct write to a loop device, in order,
// with dd's pid, the disk name, W, the sector and 4096 bytes.
func TestBiosnoopTool(t *testing.T) {
	requireRoot(t)
	dev := loopDevice(t)
	disk := filepath.Base(dev)
	l := startLive(t, "TIME(s)", "biosnoop")
	directWrites(t, dev, "5")
	for i, sector := range []string{"0", "8", "16", "24", "32"} {
		line := l.await(t, "write "+sector, func(s string) bool { return strings.Contains(s, " "+disk+" ") })
		f := strings.Fields(line)
		if len(f) != 8 || f[1] != "dd" || f[4] != "W" || f[5] != sector || f[6] != "4096" {
			t.Errorf("request %d: %q, want dd %s W sector %s 4096 bytes", i, line, disk, sector)
		}
	}
	l.stop(t)
}

// TestBiolatencyTool: with -D the loop device's histogram holds exactly
// the 20 direct writes.
func TestBiolatencyTool(t *testing.T) {
	requireRoot(t)
	dev := loopDevice(t)
	disk := filepath.Base(dev)
	l := startLive(t, "Tracing block device I/O", "biolatency", "-D")
	directWrites(t, dev, "20")
	// dd's writes are synchronous: each completed before dd returned.
	rest := l.stop(t)
	text := strings.Join(rest, "\n")
	i := strings.Index(text, "@usecs["+disk+"]: ")
	if i < 0 {
		t.Fatalf("no histogram for %s:\n%s", disk, text)
	}
	total := 0
	for _, line := range strings.Split(text[i:], "\n")[1:] {
		if !strings.HasPrefix(line, "[") && !strings.HasPrefix(line, "(") {
			break
		}
		if f := strings.Fields(line[16:]); len(f) > 0 {
			n, err := strconv.Atoi(f[0])
			if err != nil {
				t.Fatalf("histogram row %q", line)
			}
			total += n
		}
	}
	if total != 20 {
		t.Errorf("%s histogram counts %d requests, want 20:\n%s", disk, total, text)
	}
}

// TestWritebackTool: writing a file and syncing it shows a writeback of
// the file's device for reason sync, with at least the pages written.
func TestWritebackTool(t *testing.T) {
	requireRoot(t)
	dir, err := os.MkdirTemp("/var/tmp", "luatrace-writeback-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	var st syscall.Stat_t
	syscall.Stat(dir, &st)
	device := fmt.Sprintf("%d:%d", unix.Major(st.Dev), unix.Minor(st.Dev))

	lines, stderr := startTool(t, "writeback", "-d", "20")
	const pages = 2048 // 8 MiB
	if err := os.WriteFile(filepath.Join(dir, "data"), make([]byte, pages*4096), 0o644); err != nil {
		t.Fatal(err)
	}
	syscall.Sync()
	written := 0
	deadline := time.Now().Add(15 * time.Second)
	for written < pages && time.Now().Before(deadline) && lines.Scan() {
		f := strings.Fields(lines.Text())
		if len(f) == 5 && f[1] == device && f[3] == "sync" {
			n, _ := strconv.Atoi(f[2])
			written += n
		}
	}
	if written < pages {
		t.Errorf("saw %d pages written back on %s for sync, want at least %d\nstderr:\n%s", written, device, pages, stderr.String())
	}
}
