package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// openOutput opens -o FILE for writing without letting another user
// redirect it: luatrace runs as root, and a symbolic link planted in a
// shared folder such as /tmp would make it truncate any file on the
// system. It applies what the kernel's fs.protected_symlinks and
// fs.protected_regular do where they are switched on, whether or not they
// are: FILE itself is never a symbolic link (O_NOFOLLOW); a symbolic link
// on the way to it, inside a sticky folder others can write to, is
// followed only when it belongs to this user or the folder's owner; in
// such a folder, FILE is created exclusively, or else must be a regular
// file of this user (or the folder's owner) with no other hard link.
func openOutput(path string) (*os.File, error) {
	if err := checkSymlinksOnPath(path); err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	dirInfo, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot write output file %s: %v", path, pathReason(err))
	}
	shared, dirOwner := sharedFolder(dirInfo)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o644)
	if err == nil {
		return f, nil
	}
	if !errors.Is(err, os.ErrExist) {
		return nil, outputError(path, err)
	}
	f, err = os.OpenFile(path, os.O_WRONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, outputError(path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, outputError(path, err)
	}
	if shared {
		sys := st.Sys().(*syscall.Stat_t)
		uid := uint32(os.Geteuid())
		switch {
		case sys.Uid != uid && sys.Uid != dirOwner:
			f.Close()
			return nil, fmt.Errorf("will not overwrite output file %s: it belongs to uid %d and its folder %s is writable by others; remove it or give another path", path, sys.Uid, dir)
		case !st.Mode().IsRegular() || sys.Nlink > 1:
			f.Close()
			return nil, fmt.Errorf("will not overwrite output file %s: its folder %s is writable by others and it is not a plain file with a single link; remove it or give another path", path, dir)
		}
	}
	if st.Mode().IsRegular() {
		if err := f.Truncate(0); err != nil {
			f.Close()
			return nil, outputError(path, err)
		}
	}
	// Pipes and devices were opened without blocking; write to them as
	// usual.
	if err := unix.SetNonblock(int(f.Fd()), false); err != nil {
		f.Close()
		return nil, outputError(path, err)
	}
	return f, nil
}

// sharedFolder reports whether others can add files to a sticky folder
// (/tmp) and who owns it.
func sharedFolder(fi os.FileInfo) (bool, uint32) {
	sys, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return false, 0
	}
	return fi.Mode()&os.ModeSticky != 0 && fi.Mode().Perm()&0o022 != 0, sys.Uid
}

// checkSymlinksOnPath refuses a symbolic link on the way to path that sits
// in a shared sticky folder and belongs neither to this user nor to the
// folder's owner (fs.protected_symlinks).
func checkSymlinksOnPath(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(filepath.Dir(abs), "/"), "/")
	cur := "/"
	for _, part := range parts {
		if part == "" {
			continue
		}
		next := filepath.Join(cur, part)
		li, err := os.Lstat(next)
		if err != nil {
			return nil // the open reports it
		}
		if li.Mode()&os.ModeSymlink != 0 {
			parent, err := os.Stat(cur)
			if err == nil {
				shared, owner := sharedFolder(parent)
				uid := li.Sys().(*syscall.Stat_t).Uid
				if shared && uid != uint32(os.Geteuid()) && uid != owner {
					return fmt.Errorf("will not write output file %s: %s is a symbolic link of uid %d in %s, which others can write to; give the real path", path, next, uid, cur)
				}
			}
			target, err := filepath.EvalSymlinks(next)
			if err != nil {
				return nil
			}
			next = target
		}
		cur = next
	}
	return nil
}

// outputError words a failed open of -o FILE.
func outputError(path string, err error) error {
	if errors.Is(err, unix.ELOOP) {
		return fmt.Errorf("will not write output file %s: it is a symbolic link, which luatrace does not follow for -o; give the real path", path)
	}
	return fmt.Errorf("cannot write output file %s: %v", path, pathReason(err))
}

// pathReason drops the path and operation an *os.PathError repeats.
func pathReason(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
