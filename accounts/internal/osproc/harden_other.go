//go:build !linux

package osproc

// Harden does nothing here: core dumps of user processes are off by
// default on macOS and Windows.
func Harden() {}
