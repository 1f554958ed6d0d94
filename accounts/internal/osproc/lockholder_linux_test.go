package osproc

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestLockHolderNamesProcess: a lock this process holds with flock, as
// accounts' lock files are held, is found in /proc/locks.
func TestLockHolderNamesProcess(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "account-holder.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	got := LockHolder(path)
	if !strings.HasPrefix(got, fmt.Sprintf("process %d (", os.Getpid())) {
		t.Errorf("LockHolder = %q, want this process", got)
	}
	if got := LockHolder(filepath.Join(dir, "nothing.lock")); got != "another Latchkey process" {
		t.Errorf("LockHolder of a missing file = %q", got)
	}
}
