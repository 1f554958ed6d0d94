package accounts

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Latchkey trusts its config dir and state dir, and the files it reads
// from them, only if nobody but the user could have written them: a
// forged accounts.json or config.toml would send the refresh token to
// whatever token endpoint it names, and a FIFO would hang every command.
// The rule, on Unix:
//
//   - The dir itself is owned by the user and not writable by its group
//     or others (a shared sticky dir like /tmp does not count: others can
//     create files in it).
//   - Every parent up to / is owned by the user or root, and not
//     writable by group or others unless sticky. A parent others may
//     write lets them rename the dir away and put their own in its place;
//     a sticky one does not, as only an entry's owner may rename it.
//     Symbolic links in the dir's path are resolved first, and the files
//     are opened through the resolved path, so the dirs checked are the
//     dirs used.
//   - Each file is opened with O_NOFOLLOW|O_NONBLOCK (a FIFO or device
//     is refused at once, never waited on) and checked on the open file:
//     a regular file, owned by the user, not writable by group or others.
//
// Once a chain of dirs owned by the user or root and closed to others is
// checked, no other user can change it, so checking the dirs by path and
// the file by its descriptor leaves no window. On Windows the checks do
// nothing (trust_windows.go says why).

// untrustedError says that a file or dir Latchkey reads or writes could
// have been written by another user, what is wrong, and how to fix it.
// It matches ErrStorage.
type untrustedError struct {
	path, problem, fix string
	// doing is what Latchkey was doing ("read the access log"), if the
	// path alone does not say.
	doing string
}

func (e *untrustedError) Error() string {
	doing := ""
	if e.doing != "" {
		doing = e.doing + ": "
	}
	return fmt.Sprintf("%v: %s%s %s; Latchkey will not use it (%s)", ErrStorage, doing, e.path, e.problem, e.fix)
}

func (e *untrustedError) Unwrap() error { return ErrStorage }

// readTrusted reads the file name in dir under the rule above. A missing
// dir or file is an error matching fs.ErrNotExist.
func readTrusted(dir, name string) ([]byte, error) {
	f, err := openTrusted(dir, name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// openTrusted opens the file name in dir with flag (read, or create and
// append) under the rule above, checking dir first.
func openTrusted(dir, name string, flag int, perm fs.FileMode) (*os.File, error) {
	real, err := trustedDir(dir)
	if err != nil {
		return nil, err
	}
	return openTrustedFile(filepath.Join(real, name), flag, perm)
}
