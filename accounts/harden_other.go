//go:build !linux

package accounts

// HardenProcess does nothing here: core dumps of user processes are off
// by default on macOS and Windows.
func HardenProcess() {}
