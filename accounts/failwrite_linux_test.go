package accounts

import (
	"testing"

	"golang.org/x/sys/unix"
)

// failingWrites runs f with the process's file size limit lowered to
// limit bytes, so a write past it fails with EFBIG (Go ignores SIGXFSZ).
// Unlike a read-only directory, this also works when the tests run as root.
func failingWrites(t *testing.T, limit int64, f func() error) error {
	t.Helper()
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_FSIZE, &old); err != nil {
		t.Skipf("getrlimit: %v", err)
	}
	lim := old
	lim.Cur = uint64(limit)
	if err := unix.Setrlimit(unix.RLIMIT_FSIZE, &lim); err != nil {
		t.Skipf("setrlimit: %v", err)
	}
	defer unix.Setrlimit(unix.RLIMIT_FSIZE, &old)
	return f()
}
