//go:build unix

package accounts

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// trustOpenFlags: a symlink is refused (ELOOP), and opening a FIFO or a
// device returns at once instead of waiting for a peer or taking over a
// terminal; the fstat that follows refuses them.
const trustOpenFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK | syscall.O_NOCTTY

// openTrustedFile opens path and checks, on the open file, that it is a
// regular file of the user's that others cannot write.
func openTrustedFile(path string, flag int, perm fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|trustOpenFlags, perm)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		// ELOOP for a symlink, ENXIO for a FIFO nobody reads: Lstat only
		// to say what is there, the open already refused it.
		if fi, lerr := os.Lstat(path); lerr == nil {
			if bad := fileProblem(path, fi); bad != nil {
				return nil, bad
			}
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		if bad := fileProblem(path, fi); bad != nil {
			err = bad
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// fileProblem says what makes fi, the file at path, untrustworthy, or nil.
func fileProblem(path string, fi fs.FileInfo) *untrustedError {
	if fi.IsDir() {
		return &untrustedError{path: path, problem: "is a directory, not a regular file", fix: "move it away"}
	}
	if !fi.Mode().IsRegular() {
		return &untrustedError{path: path, problem: "is a " + fileKind(fi.Mode()) + ", not a regular file", fix: "remove it: rm " + path}
	}
	if uid := fileOwner(fi); uid != os.Geteuid() {
		return &untrustedError{path: path, problem: fmt.Sprintf("is owned by uid %d, not by you (uid %d)", uid, os.Geteuid()),
			fix: "it is not yours: move it away and let Latchkey write its own"}
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return &untrustedError{path: path, problem: "is writable by other users", fix: "chmod go-w " + path}
	}
	return nil
}

// trustedDir checks dir, and every dir above it, under the rule in
// trust.go, and returns it with symbolic links resolved: the path to
// open its files through. A missing dir is an error matching
// fs.ErrNotExist.
func trustedDir(dir string) (string, error) {
	real, err := filepath.EvalSymlinks(dir)
	if err == nil {
		real, err = filepath.Abs(real)
	}
	if err != nil {
		return "", fmt.Errorf("%w: check %s: %w", ErrStorage, dir, err)
	}
	for p := real; ; p = filepath.Dir(p) {
		fi, err := os.Lstat(p)
		if err != nil {
			return "", fmt.Errorf("%w: check %s: %w", ErrStorage, p, err)
		}
		if bad := dirProblem(p, fi, p == real, real); bad != nil {
			return "", bad
		}
		if filepath.Dir(p) == p {
			return real, nil
		}
	}
}

// dirProblem says what makes fi, the dir at path, untrustworthy as the
// dir Latchkey uses (self) or as a parent of it, or nil.
func dirProblem(path string, fi fs.FileInfo, self bool, dir string) *untrustedError {
	if !fi.IsDir() {
		return &untrustedError{path: path, problem: "is a " + fileKind(fi.Mode()) + ", not a directory", fix: "remove it"}
	}
	uid, me := fileOwner(fi), os.Geteuid()
	open := fi.Mode().Perm()&0o022 != 0
	switch {
	case self && uid != me:
		return &untrustedError{path: path, problem: fmt.Sprintf("is owned by uid %d, not by you (uid %d)", uid, me),
			fix: "use a directory of your own, made with mkdir -m 700"}
	case self && open && fi.Mode()&fs.ModeSticky != 0:
		return &untrustedError{path: path, problem: "is a shared directory that other users can create files in",
			fix: "use a directory of your own, made with mkdir -m 700"}
	case self && open:
		return &untrustedError{path: path, problem: "is writable by other users", fix: "chmod go-w " + path}
	case !self && uid != me && uid != 0:
		return &untrustedError{path: path, problem: fmt.Sprintf("is owned by uid %d, not by you or root, who could replace %s in it", uid, dir),
			fix: "use a directory elsewhere"}
	case !self && open && fi.Mode()&fs.ModeSticky == 0:
		return &untrustedError{path: path, problem: fmt.Sprintf("is writable by other users, who could replace %s in it", dir),
			fix: "chmod go-w " + path + ", or use a directory elsewhere"}
	}
	return nil
}

func fileOwner(fi fs.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}

// fileKind names what a non-regular file is, for people.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	case m.IsDir():
		return "directory"
	case m.IsRegular():
		return "regular file"
	}
	return "special file"
}
