//go:build !linux

package accounts

// lockHolder cannot ask this OS who holds a lock.
func lockHolder(path string) string { return "another Latchkey process" }
