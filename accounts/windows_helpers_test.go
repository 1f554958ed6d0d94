package accounts

import (
	"io/fs"
	"runtime"
	"testing"
)

// hasMode reports whether fi's permission bits are perm, or the OS is
// Windows, which has none: there a file's ACL, inherited from the user's
// profile, says who may use it (trust_windows.go).
func hasMode(fi fs.FileInfo, perm fs.FileMode) bool {
	return runtime.GOOS == "windows" || fi.Mode().Perm() == perm
}

// skipOnWindows skips a test of Unix file semantics (symbolic links, mode
// bits) on Windows, where the user's profile ACL guards Latchkey's files
// instead (trust_windows.go), symbolic links need a privilege, and Wine's
// are host links that Windows programs do not see as links.
func skipOnWindows(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("Unix file semantics; on Windows the profile's ACL guards Latchkey's files")
	}
}
