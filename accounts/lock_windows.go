//go:build windows

package accounts

import (
	"io/fs"
	"os"
)

const lockOpenFlags = os.O_CREATE | os.O_RDWR

// isPrivateDir: on Windows the temp dir is already per user.
func isPrivateDir(fi fs.FileInfo) bool { return fi.IsDir() }
