// Package tracefs finds (and if needed mounts) the kernel's tracing file
// system, lists its tracepoints and parses their format files.
package tracefs

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/luatrace/luatrace/bpf/suggest"
)

// mountPoint is where tracefs lives on current kernels; the debugfs path is
// the fallback for older setups that only mount debugfs.
const (
	mountPoint = "/sys/kernel/tracing"
	debugPoint = "/sys/kernel/debug/tracing"
)

// Mount returns the tracefs directory, mounting tracefs at
// /sys/kernel/tracing when it is not mounted anywhere yet.
func Mount() (string, error) {
	for _, dir := range []string{mountPoint, debugPoint} {
		if _, err := os.Stat(filepath.Join(dir, "events")); err == nil {
			return dir, nil
		}
	}
	if err := unix.Mount("nodev", mountPoint, "tracefs", 0, ""); err != nil && !errors.Is(err, unix.EBUSY) {
		return "", fmt.Errorf("cannot mount tracefs at %s: %w; mount it with: mount -t tracefs nodev %s", mountPoint, err, mountPoint)
	}
	return mountPoint, nil
}

// Event names one tracepoint.
type Event struct {
	Group, Name string
}

// String returns "group:name".
func (e Event) String() string { return e.Group + ":" + e.Name }

// skipGroups are event directories that are not attachable tracepoints.
var skipGroups = map[string]bool{"ftrace": true}

// Events lists every tracepoint under dir/events, sorted by group and name.
func Events(dir string) ([]Event, error) {
	groups, err := os.ReadDir(filepath.Join(dir, "events"))
	if err != nil {
		return nil, fmt.Errorf("cannot list tracepoints in %s: %v; check that tracefs is mounted there", filepath.Join(dir, "events"), pathErr(err))
	}
	var events []Event
	for _, g := range groups {
		if !g.IsDir() || skipGroups[g.Name()] {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(dir, "events", g.Name()))
		if err != nil {
			continue // a group may vanish with its module
		}
		for _, e := range entries {
			if e.IsDir() {
				events = append(events, Event{Group: g.Name(), Name: e.Name()})
			}
		}
	}
	sort.Slice(events, func(i, j int) bool {
		if events[i].Group != events[j].Group {
			return events[i].Group < events[j].Group
		}
		return events[i].Name < events[j].Name
	})
	return events, nil
}

// Match returns the tracepoints named by pattern, "group:name" with shell
// globs allowed in either part. A pattern that matches nothing is an error,
// with a suggestion when it looks like a typo.
func Match(dir, pattern string) ([]Event, error) {
	group, name, ok := strings.Cut(pattern, ":")
	if !ok || group == "" || name == "" {
		return nil, fmt.Errorf("tracepoint %q needs GROUP:NAME, e.g. syscalls:sys_enter_openat", pattern)
	}
	// Check both globs up front: path.Match only reports a bad pattern
	// when it gets far enough to notice.
	for _, glob := range []string{group, name} {
		if _, err := path.Match(glob, ""); err != nil {
			return nil, fmt.Errorf("tracepoint pattern %q is not a valid glob; close any [ and escape a literal * ? [ with \\", pattern)
		}
	}
	// A name given in full is one stat, not a walk of every group: the
	// walk costs thousands of directory reads at startup.
	if plainName(group) && plainName(name) && !skipGroups[group] {
		if fi, err := os.Stat(filepath.Join(dir, "events", group, name)); err == nil && fi.IsDir() {
			return []Event{{Group: group, Name: name}}, nil
		}
	}
	all, err := Events(dir)
	if err != nil {
		return nil, err
	}
	var out []Event
	for _, e := range all {
		gm, _ := path.Match(group, e.Group)
		if nm, _ := path.Match(name, e.Name); gm && nm {
			out = append(out, e)
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	if strings.ContainsAny(pattern, "*?[") {
		return nil, fmt.Errorf("no tracepoint matches %q", pattern)
	}
	names := make([]string, len(all))
	for i, e := range all {
		names[i] = e.String()
	}
	return nil, fmt.Errorf("no tracepoint %q%s", pattern, suggest.Phrase(pattern, names))
}

// plainName reports whether a pattern part names one directory entry:
// no glob, no path.
func plainName(s string) bool {
	return !strings.ContainsAny(s, "*?[\\/") && s != "." && s != ".."
}

// pathErr drops the path an *os.PathError repeats, since the messages here
// already name the file.
func pathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
