//go:build !windows

package accounts

import "os"

// appendEntry writes line to the access log f, opened with O_APPEND: POSIX
// appends one write in one piece.
func appendEntry(f *os.File, line []byte) error {
	_, err := f.Write(line)
	return err
}
