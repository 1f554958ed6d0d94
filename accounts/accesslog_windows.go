package accounts

import (
	"os"

	"golang.org/x/sys/windows"
)

// appendEntry writes line to the access log f under an exclusive lock of
// the log, taken through the file itself. Go's O_APPEND on Windows asks for
// FILE_APPEND_DATA, which local NTFS appends in one piece, but not every
// file system does (Wine, seen interleaving concurrent writers' lines,
// moves to the end and then writes). The lock covers one byte far past any
// real end of file: Windows' locks are mandatory, and one over the data
// would make readers fail.
func appendEntry(f *os.File, line []byte) error {
	h := windows.Handle(f.Fd())
	region := windows.Overlapped{Offset: 0xFFFFFFFF, OffsetHigh: 0x7FFFFFFF}
	if err := windows.LockFileEx(h, windows.LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, &region); err != nil {
		return err
	}
	defer windows.UnlockFileEx(h, 0, 1, 0, &region)
	_, err := f.Write(line)
	return err
}
