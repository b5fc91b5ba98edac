package usym

import (
	"bytes"
	"os"
)

// vdsoName is how /proc/PID/maps names the vDSO.
const vdsoName = "[vdso]"

// vdsoImage returns the vDSO as an image (s.mu held). Every 64-bit
// process of this kernel maps the same vDSO, so ours stands in for the
// traced process's (whose memory may be gone by the time it is needed);
// it is read once and never expires.
func (s *Store) vdsoImage() *Image {
	if !s.vdsoDone {
		s.vdsoDone = true
		if b := readOwnVDSO(); b != nil {
			if img, err := newImage(bytes.NewReader(b), nil, vdsoName, ""); err == nil {
				img.key = string(img.BuildID)
				s.vdso = img
			}
		}
	}
	return s.vdso
}

// readOwnVDSO copies this process's vDSO out of /proc/self/mem.
func readOwnVDSO() []byte {
	entries, err := readMapsFile(os.Getpid())
	if err != nil {
		return nil
	}
	for _, e := range entries {
		if e.path != vdsoName {
			continue
		}
		f, err := os.Open("/proc/self/mem")
		if err != nil {
			return nil
		}
		defer f.Close()
		b := make([]byte, e.end-e.start)
		if _, err := f.ReadAt(b, int64(e.start)); err != nil {
			return nil
		}
		return b
	}
	return nil
}
