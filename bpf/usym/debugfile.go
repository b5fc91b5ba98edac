package usym

import (
	"bytes"
	"debug/elf"
	"io"
	"os"
	"path/filepath"
)

// DefaultDebugDir is where Debian's -dbg and -dbgsym packages install
// separate debug info (/usr/lib/debug/.build-id/xx/yyyy.debug).
const DefaultDebugDir = "/usr/lib/debug"

// findDebugFile looks for the separate debug info of a stripped image, as
// gdb does: by build-id under each debug directory, then by the
// .gnu_debuglink name next to the file, in its .debug folder and under the
// debug directories. Each directory is tried on the host and then in the
// root of the process that mapped the image (a container's own
// /usr/lib/debug). A candidate with a different build-id is refused.
func findDebugFile(img *Image) (*elf.File, io.Closer) {
	roots := []string{""}
	if img.rootDir != "" && img.rootDir != "/" {
		roots = append(roots, img.rootDir)
	}
	var candidates []string
	for _, root := range roots {
		for _, dir := range img.debugDirs {
			if len(img.BuildID) > 2 {
				candidates = append(candidates, filepath.Join(root, dir, ".build-id", string(img.BuildID[:2]), string(img.BuildID[2:])+".debug"))
			}
		}
	}
	if link := debugLink(img.elf); link != "" {
		dir := filepath.Dir(img.Path)
		for _, root := range roots {
			candidates = append(candidates, filepath.Join(root, dir, link), filepath.Join(root, dir, ".debug", link))
			for _, d := range img.debugDirs {
				candidates = append(candidates, filepath.Join(root, d, dir, link))
			}
		}
	}
	for _, c := range candidates {
		f, err := os.Open(c)
		if err != nil {
			continue
		}
		ef, err := elf.NewFile(f)
		if err != nil || (img.BuildID != "" && readBuildID(ef) != img.BuildID) {
			f.Close()
			continue
		}
		return ef, f
	}
	return nil, nil
}

// debugLink is the file name in a .gnu_debuglink section (a name, a NUL,
// padding and a CRC we do not check: the build-id check is stronger).
func debugLink(f *elf.File) string {
	s := f.Section(".gnu_debuglink")
	if s == nil {
		return ""
	}
	data, err := s.Data()
	if err != nil {
		return ""
	}
	name, _, ok := bytes.Cut(data, []byte{0})
	if !ok || len(name) == 0 || bytes.ContainsRune(name, '/') {
		return ""
	}
	return string(name)
}
