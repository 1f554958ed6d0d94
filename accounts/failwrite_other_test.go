//go:build !linux

package accounts

import "testing"

// runAloneInChild is needed only where failingWrites works (Linux).
func runAloneInChild(t *testing.T) bool { return false }

// failingWrites needs RLIMIT_FSIZE, checked on Linux only.
func failingWrites(t *testing.T, limit int64, f func() error) error {
	t.Helper()
	t.Skip("save failures are simulated on Linux only")
	return nil
}
