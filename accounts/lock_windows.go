//go:build windows

package accounts

import (
	"io/fs"
	"os"
)

const lockOpenFlags = os.O_CREATE | os.O_RDWR

// isPrivateDir: on Windows the lock dir (in %LocalAppData%) is already
// per user, kept so by the profile's ACLs, not by mode bits.
func isPrivateDir(fi fs.FileInfo) bool { return fi.IsDir() }
