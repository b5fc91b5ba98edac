package usym

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// MapsLine is one line of /proc/PID/maps.
type MapsLine struct {
	Start, End uint64 // [Start, End)
	Offset     uint64 // file offset of Start
	Perms      string // "r-xp"
	Dev        string // "major:minor"
	Inode      uint64
	// Path names the file (it may hold spaces, and ends in " (deleted)"
	// once the file is gone), or the kind of memory ("[vdso]"); "" for
	// anonymous memory.
	Path string
}

// ReadExecMaps reads the executable lines of /proc/PID/maps.
func ReadExecMaps(pid int) ([]MapsLine, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseExecMaps(f)
}

// parseExecMaps parses the executable lines of a maps file; lines it
// cannot read are skipped.
func parseExecMaps(r io.Reader) ([]MapsLine, error) {
	var out []MapsLine
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20) // a path may be 4096 bytes
	for sc.Scan() {
		// start-end perms offset dev inode [path]: the path is what follows
		// the inode after the padding, and may hold spaces.
		f := strings.SplitN(sc.Text(), " ", 6)
		if len(f) < 5 || !strings.Contains(f[1], "x") {
			continue
		}
		l := MapsLine{Perms: f[1], Dev: f[3]}
		if len(f) == 6 {
			l.Path = strings.TrimLeft(f[5], " ")
		}
		lo, hi, _ := strings.Cut(f[0], "-")
		var errs [4]error
		l.Start, errs[0] = strconv.ParseUint(lo, 16, 64)
		l.End, errs[1] = strconv.ParseUint(hi, 16, 64)
		l.Offset, errs[2] = strconv.ParseUint(f[2], 16, 64)
		l.Inode, errs[3] = strconv.ParseUint(f[4], 10, 64)
		if errs == [4]error{} {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}

// readMapsFile reads the executable lines of /proc/PID/maps that map a
// file or the vDSO, the ones a snapshot keeps.
func readMapsFile(pid int) ([]mapsEntry, error) {
	lines, err := ReadExecMaps(pid)
	if err != nil {
		return nil, err
	}
	var out []mapsEntry
	for _, l := range lines {
		if strings.HasPrefix(l.Path, "/") || l.Path == vdsoName {
			out = append(out, mapsEntry{start: l.Start, end: l.End, offset: l.Offset, perms: l.Perms, path: l.Path})
		}
	}
	return out, nil
}
