package accounts

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLockSymlinkRefused(t *testing.T) {
	skipOnWindows(t)
	rt := privateRuntimeDir(t)
	dir := filepath.Join(rt, "latchkey")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(target, []byte("keep me"), 0o644)
	name := lockName("account", "microsoft:a@x.test")
	if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
	l, err := lockFile(context.Background(), name)
	if err == nil {
		l.unlock()
		t.Fatal("lockFile followed a symlink")
	}
	if !errors.Is(err, ErrStorage) {
		t.Errorf("lockFile = %v, want ErrStorage", err)
	}
	fi, _ := os.Stat(target)
	if data, _ := os.ReadFile(target); string(data) != "keep me" || fi.Mode().Perm() != 0o644 {
		t.Errorf("symlink target changed: %q %v", data, fi.Mode())
	}
	// A dangling symlink must not create its target either.
	os.Remove(target)
	if l, err := lockFile(context.Background(), name); err == nil {
		l.unlock()
		t.Error("lockFile followed a dangling symlink")
	}
	if _, err := os.Lstat(target); !os.IsNotExist(err) {
		t.Error("lockFile created the target of a dangling symlink")
	}
}

func TestLockOpenFlagsNoFollow(t *testing.T) {
	skipOnWindows(t)
	// The Lstat check is racy by nature; O_NOFOLLOW is what holds.
	dir := t.TempDir()
	target := filepath.Join(dir, "victim")
	os.WriteFile(target, nil, 0o600)
	link := filepath.Join(dir, "x.lock")
	os.Symlink(target, link)
	if f, err := os.OpenFile(link, lockOpenFlags, 0o600); err == nil {
		f.Close()
		t.Error("lockOpenFlags open a symlink")
	}
}

func TestLockDirMustBePrivate(t *testing.T) {
	skipOnWindows(t)
	rt := privateRuntimeDir(t)
	dir := filepath.Join(rt, "latchkey")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	if l, err := lockFile(context.Background(), "index.lock"); err == nil {
		l.unlock()
		t.Fatal("lockFile used a 0755 lock dir")
	} else if !errors.Is(err, ErrStorage) || !strings.Contains(err.Error(), "not a private directory") {
		t.Errorf("lockFile = %v, want ErrStorage", err)
	}
	// A symlink in place of the dir is refused too.
	os.Remove(dir)
	os.Symlink(t.TempDir(), dir)
	if l, err := lockFile(context.Background(), "index.lock"); err == nil {
		l.unlock()
		t.Fatal("lockFile used a symlinked lock dir")
	}
}

func TestLockCreatesPrivateDir(t *testing.T) {
	rt := privateRuntimeDir(t)
	l, err := lockFile(context.Background(), "index.lock")
	if err != nil {
		t.Fatal(err)
	}
	l.unlock()
	fi, err := os.Stat(filepath.Join(rt, "latchkey"))
	if err != nil || !hasMode(fi, 0o700) {
		t.Errorf("lock dir: %v, %v; want mode 0700", fi, err)
	}
	fi, err = os.Stat(filepath.Join(rt, "latchkey", "index.lock"))
	if err != nil || !hasMode(fi, 0o600) {
		t.Errorf("lock file: %v, %v; want mode 0600", fi, err)
	}
}

func TestLockBusy(t *testing.T) {
	privateRuntimeDir(t)
	old := lockWait
	lockWait = 150 * time.Millisecond
	t.Cleanup(func() { lockWait = old })

	held, err := lockFile(context.Background(), "account-x.lock")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	l, err := lockFile(context.Background(), "account-x.lock")
	if err == nil {
		l.unlock()
		t.Fatal("took a lock that is held")
	}
	if !errors.Is(err, ErrBusy) {
		t.Errorf("lockFile = %v, want ErrBusy", err)
	}
	if d := time.Since(start); d < lockWait || d > 5*time.Second {
		t.Errorf("gave up after %v, want about %v", d, lockWait)
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	if _, err := lockFile(ctx, "account-x.lock"); !errors.Is(err, context.Canceled) || errors.Is(err, ErrBusy) {
		t.Errorf("cancelled wait = %v, want context.Canceled", err)
	}

	held.unlock()
	l, err = lockFile(context.Background(), "account-x.lock")
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	l.unlock()
}

func TestLockName(t *testing.T) {
	a, b := lockName("account", "microsoft:a@x.test"), lockName("account", "microsoft:b@x.test")
	if a == b || !strings.HasPrefix(a, "account-") || !strings.HasSuffix(a, ".lock") || strings.Contains(a, "@") {
		t.Errorf("lockName = %q, %q", a, b)
	}
	if lockName("account", "../../etc/passwd") != filepath.Base(lockName("account", "../../etc/passwd")) {
		t.Error("lockName is not a plain file name")
	}
}
