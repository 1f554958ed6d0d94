//go:build unix

package accounts

import (
	"io/fs"
	"os"
	"syscall"
)

// O_NOFOLLOW: a symlink planted at a lock path is refused, not followed.
const lockOpenFlags = os.O_CREATE | os.O_RDWR | syscall.O_NOFOLLOW

// isPrivateDir: a directory of ours that nobody else may enter.
func isPrivateDir(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && fi.IsDir() && fi.Mode().Perm()&0o077 == 0 && int(st.Uid) == os.Getuid()
}
