//go:build !linux

package osproc

// LockHolder cannot ask this OS who holds a lock.
func LockHolder(path string) string { return "another Latchkey process" }
