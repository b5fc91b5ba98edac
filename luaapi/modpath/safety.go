package modpath

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
)

// A library folder is searched only when nobody but root and trusted
// users can put a file into it: luatrace runs as root, and a module planted
// in a shared folder (a top.lua in /tmp next to a script) would run as
// root. Trusted are the user running luatrace (and, under sudo, the user
// who ran sudo) and, for the script's own folder, the script's owner. A
// folder is refused when it is writable by its group or by everyone (a
// sticky bit does not help: it stops others from removing files, not from
// adding them), when it belongs to someone else, and when one of its
// parents lets others replace it: a parent writable by others without the
// sticky bit, a parent belonging to someone else, or, in a sticky shared
// parent such as /tmp, an entry belonging to someone else. Module files
// must not be writable by others either.

// Unsafe reports why others than root and the trusted users could plant
// files in dir, or "" when it may be searched. Symbolic links are followed
// first: what matters is where the files really are.
func Unsafe(dir string, trusted []uint32) string {
	abs, err := filepath.Abs(dir)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return "" // missing folders hold nothing
	}
	st, ok := statOwner(abs)
	if !ok {
		return ""
	}
	ok2 := func(uid uint32) bool { return uid == 0 || slices.Contains(trusted, uid) }
	if st.mode&0o022 != 0 {
		return fmt.Sprintf("others than root and its owner can write to %s (mode %s)", abs, octal(st.mode))
	}
	if !ok2(st.uid) {
		return fmt.Sprintf("%s belongs to uid %d, who could plant modules in it", abs, st.uid)
	}
	child, childUID := abs, st.uid
	for {
		parent := filepath.Dir(child)
		if parent == child {
			return ""
		}
		pst, ok := statOwner(parent)
		if !ok {
			return ""
		}
		shared := pst.mode&0o022 != 0
		switch {
		case shared && pst.mode&os.ModeSticky == 0:
			return fmt.Sprintf("others than root and its owner can write to %s (mode %s) and so replace %s", parent, octal(pst.mode), abs)
		case shared && !ok2(childUID):
			return fmt.Sprintf("%s belongs to uid %d in the shared folder %s, who could replace %s", child, childUID, parent, abs)
		case !ok2(pst.uid):
			return fmt.Sprintf("%s belongs to uid %d, who could replace %s", parent, pst.uid, abs)
		}
		child, childUID = parent, pst.uid
	}
}

// UnsafeFile reports why a module file could be changed by others than
// root and its owner, or "".
func UnsafeFile(path string) string {
	st, ok := statOwner(path)
	if !ok || st.mode&0o022 == 0 {
		return ""
	}
	return fmt.Sprintf("others than root and its owner can write to %s (mode %s)", path, octal(st.mode))
}

// Trusted are the users whose folders luatrace searches besides root's:
// the effective user and, when that is root under sudo, the user who ran
// sudo.
func Trusted() []uint32 {
	uids := []uint32{uint32(os.Geteuid())}
	if os.Geteuid() == 0 {
		if n, err := strconv.ParseUint(os.Getenv("SUDO_UID"), 10, 32); err == nil {
			uids = append(uids, uint32(n))
		}
	}
	return uids
}

// octal prints a mode as chmod takes it: 1777 for /tmp.
func octal(m os.FileMode) string {
	n := uint32(m.Perm())
	if m&os.ModeSticky != 0 {
		n |= 0o1000
	}
	if m&os.ModeSetgid != 0 {
		n |= 0o2000
	}
	if m&os.ModeSetuid != 0 {
		n |= 0o4000
	}
	return fmt.Sprintf("%04o", n)
}

type owned struct {
	mode os.FileMode
	uid  uint32
}

func statOwner(p string) (owned, bool) {
	fi, err := os.Stat(p)
	if err != nil {
		return owned{}, false
	}
	sys, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return owned{}, false
	}
	return owned{mode: fi.Mode(), uid: sys.Uid}, true
}
