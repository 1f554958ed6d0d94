package accounts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
	"github.com/latchkey/latchkey/accounts/internal/osproc"
)

// defaultLockWait bounds how long a process waits for another one's lock.
// A refresh holding it is itself bounded by refreshDeadline (a few HTTP
// attempts and keychain calls, one of which may wait for a person to
// unlock the keychain), so a holder past this is hung.
const defaultLockWait = refreshDeadline + 30*time.Second

// lockWait is defaultLockWait, or the Go duration in LATCHKEY_LOCK_TIMEOUT
// when it is valid and positive (for tests, and for people who would
// rather fail fast than wait for a hung process).
var lockWait = envDuration("LATCHKEY_LOCK_TIMEOUT", defaultLockWait)

// envDuration reads a positive Go duration from the environment variable
// name, falling back to def when it is unset or not one.
func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}

// runtimeDir is where lock files live: $XDG_RUNTIME_DIR/latchkey where
// the OS has a runtime dir, else latchkey/run in the user's cache dir
// (~/.cache/latchkey/run on Linux). Never a fixed name in the shared temp
// dir: another user could create /tmp/latchkey-UID first and hold or
// watch our locks. XDG_RUNTIME_DIR must itself be the user's and closed
// to others (trust.go), as a misconfigured one pointing at /tmp would
// bring the same problem back; the lock dir must be private (0700).
func runtimeDir() (string, error) {
	base := os.Getenv("XDG_RUNTIME_DIR")
	dir := filepath.Join(base, "latchkey")
	if base == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("%w: no dir for lock files: %v (set XDG_RUNTIME_DIR)", ErrStorage, err)
		}
		dir = filepath.Join(cache, "latchkey", "run")
	}
	if base != "" {
		if err := os.MkdirAll(base, 0o700); err != nil {
			return "", fmt.Errorf("%w: create XDG_RUNTIME_DIR %s: %v", ErrStorage, base, err)
		}
		if _, err := trustedDir(base); err != nil {
			var u *untrustedError
			if errors.As(err, &u) {
				u.fix = "XDG_RUNTIME_DIR must name a directory of your own, mode 0700"
			}
			return "", err
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("%w: create lock dir %s: %v", ErrStorage, dir, err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return "", fmt.Errorf("%w: lock dir %s: %v", ErrStorage, dir, err)
	}
	if !isPrivateDir(fi) {
		return "", fmt.Errorf("%w: lock dir %s is not a private directory of yours; remove it", ErrStorage, dir)
	}
	if _, err := trustedDir(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// RuntimeDir is Latchkey's private runtime directory, created if missing:
// $XDG_RUNTIME_DIR/latchkey where the OS has a runtime dir, else
// latchkey/run in the user's cache dir. Lock files and the desktop app's
// single-instance socket live there.
func RuntimeDir() (string, error) { return runtimeDir() }

// fileLock is a cross-process lock on a file that is never deleted: deleting
// a lock file lets two processes hold "the" lock at once.
type fileLock struct{ fl *flock.Flock }

// lockFile takes the lock called name in the runtime dir, waiting at most
// lockWait (or until ctx ends). A lock held by a killed process is free:
// the OS drops it with the process.
func lockFile(ctx context.Context, name string) (*fileLock, error) {
	dir, err := runtimeDir()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, name)
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil, fmt.Errorf("%w: lock file %s is a symbolic link; remove it", ErrStorage, path)
	}
	fl := flock.New(path, flock.SetFlag(lockOpenFlags), flock.SetPermissions(0o600))
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, lockWait)
	defer cancel()
	ok, err := fl.TryLockContext(ctx, 25*time.Millisecond)
	if ok {
		return &fileLock{fl}, nil
	}
	if parent.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("%w: gave up waiting for another Latchkey process to release %s", ErrBusy, path)
	}
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("%w: %s has held %s for over %s without finishing; if it is stuck, end it and try again", ErrBusy, osproc.LockHolder(path), path, lockWait)
	}
	if errors.Is(err, context.Canceled) {
		return nil, err
	}
	return nil, fmt.Errorf("%w: lock %s: %v", ErrStorage, path, err)
}

func (l *fileLock) unlock() { l.fl.Unlock() }

// lockName is the lock file of one account: a hash, so no account name
// ever becomes part of a path.
func lockName(kind, id string) string {
	h := sha256.Sum256([]byte(id))
	return kind + "-" + hex.EncodeToString(h[:8]) + ".lock"
}
