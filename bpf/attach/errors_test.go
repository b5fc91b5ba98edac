package attach

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// TestTargetErrorReason: skipped targets are counted under their errno's
// name, also for the kernel-internal ENOTSUPP that libc cannot name.
func TestTargetErrorReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{unix.EPERM, "refused by the kernel (EPERM)"},
		{unix.Errno(524), "refused by the kernel (ENOTSUPP)"},
		{unix.Errno(4000), "refused by the kernel (errno 4000)"},
		{errors.New("no errno"), "refused by the kernel"},
	} {
		e := &targetError{err: tc.err}
		if got := e.reason(); got != tc.want {
			t.Errorf("reason of %v = %q, want %q", tc.err, got, tc.want)
		}
	}
}
