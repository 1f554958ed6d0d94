//go:build unix

package accounts

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// nobody is the other user the tests play when they run as root.
const nobody = 65534

// needRoot skips a case that needs a file owned by another user.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file to another user (uid 65534)")
	}
}

// trustReaders are every read of a file in the config or state dir.
var trustReaders = map[string]func(dir string) error{
	ConfigFileName:           func(dir string) error { _, err := LoadConfig(dir); return err },
	IndexFileName:            func(dir string) error { _, err := loadIndex(dir); return err },
	AccessLogFileName:        func(dir string) error { _, err := readAccessLog(dir); return err },
	AccessLogFileName + ".1": func(dir string) error { _, err := readAccessLog(dir); return err },
}

// validContent is a file of each name that would be read without error.
var validContent = map[string]string{
	ConfigFileName:           "[providers.google]\nclient_id = \"g\"\n",
	IndexFileName:            `{"version":1,"accounts":[]}`,
	AccessLogFileName:        "",
	AccessLogFileName + ".1": "",
}

// within runs f and fails the test if it does not return in time: a
// FIFO must be refused, not waited on.
func within(t *testing.T, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("still waiting after 5s: a file was waited on instead of refused")
		return nil
	}
}

// TestTrustRefusesFiles: a file in the config or state dir that is not a
// regular file of the user's that nobody else can write is refused at
// once, with what is wrong and how to fix it.
func TestTrustRefusesFiles(t *testing.T) {
	tests := []struct {
		name   string
		root   bool
		plant  func(t *testing.T, path string)
		want   string
		wantIn string // the fix
	}{
		{"group-writable", false, func(t *testing.T, p string) { chmod(t, p, 0o620) }, "is writable by other users", "chmod go-w "},
		{"other-writable", false, func(t *testing.T, p string) { chmod(t, p, 0o602) }, "is writable by other users", "chmod go-w "},
		{"foreign owner", true, func(t *testing.T, p string) { chown(t, p, nobody) }, "is owned by uid 65534", "move it away"},
		{"symlink to a file of ours", false, func(t *testing.T, p string) {
			target := filepath.Join(t.TempDir(), "elsewhere")
			os.Rename(p, target)
			mustDo(t, os.Symlink(target, p))
		}, "is a symbolic link, not a regular file", "rm "},
		{"symlink to /dev/null", false, func(t *testing.T, p string) {
			os.Remove(p)
			mustDo(t, os.Symlink("/dev/null", p))
		}, "is a symbolic link", "rm "},
		{"FIFO", false, func(t *testing.T, p string) {
			os.Remove(p)
			mustDo(t, syscall.Mkfifo(p, 0o600))
		}, "is a FIFO, not a regular file", "rm "},
		{"device", true, func(t *testing.T, p string) {
			os.Remove(p)
			mustDo(t, syscall.Mknod(p, syscall.S_IFCHR|0o600, 1<<8|3)) // /dev/null's numbers
		}, "is a device, not a regular file", "rm "},
		{"directory", false, func(t *testing.T, p string) {
			os.Remove(p)
			mustDo(t, os.Mkdir(p, 0o700))
		}, "is a directory, not a regular file", "move it away"},
	}
	for _, tt := range tests {
		for name, read := range trustReaders {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				if tt.root {
					needRoot(t)
				}
				dir := t.TempDir()
				path := filepath.Join(dir, name)
				mustDo(t, os.WriteFile(path, []byte(validContent[name]), 0o600))
				tt.plant(t, path)
				err := within(t, func() error { return read(dir) })
				checkRefused(t, err, path, tt.want, tt.wantIn)
			})
		}
	}
}

// TestTrustRefusesDirs: a config or state dir others can write, or under
// a parent others can write, is refused for reading and for writing; a
// sticky shared dir counts as one others can write, a sticky parent does
// not.
func TestTrustRefusesDirs(t *testing.T) {
	tests := []struct {
		name string
		root bool
		// make returns the dir to use and the path the error must name.
		make func(t *testing.T) (dir, culprit string)
		want string // "" means trusted
	}{
		{"private", false, func(t *testing.T) (string, string) { return t.TempDir(), "" }, ""},
		{"0755", false, func(t *testing.T) (string, string) { d := t.TempDir(); chmod(t, d, 0o755); return d, "" }, ""},
		{"through a symlink", false, func(t *testing.T) (string, string) {
			link := filepath.Join(t.TempDir(), "link")
			mustDo(t, os.Symlink(t.TempDir(), link))
			return link, ""
		}, ""},
		{"group-writable", false, func(t *testing.T) (string, string) { d := t.TempDir(); chmod(t, d, 0o770); return d, d }, "is writable by other users"},
		{"other-writable", false, func(t *testing.T) (string, string) { d := t.TempDir(); chmod(t, d, 0o707); return d, d }, "is writable by other users"},
		{"sticky shared", false, func(t *testing.T) (string, string) { d := t.TempDir(); chmod(t, d, 0o777|os.ModeSticky); return d, d }, "is a shared directory"},
		{"foreign owner", true, func(t *testing.T) (string, string) { d := t.TempDir(); chown(t, d, nobody); return d, d }, "is owned by uid 65534"},
		{"under a parent others can write", false, func(t *testing.T) (string, string) {
			p := t.TempDir()
			d := filepath.Join(p, "latchkey")
			mustDo(t, os.Mkdir(d, 0o700))
			chmod(t, p, 0o777)
			return d, p
		}, "is writable by other users, who could replace"},
		{"under a sticky parent", false, func(t *testing.T) (string, string) {
			p := t.TempDir()
			d := filepath.Join(p, "latchkey")
			mustDo(t, os.Mkdir(d, 0o700))
			chmod(t, p, 0o777|os.ModeSticky)
			return d, ""
		}, ""},
		{"under a parent of another user", true, func(t *testing.T) (string, string) {
			p := t.TempDir()
			d := filepath.Join(p, "latchkey")
			mustDo(t, os.Mkdir(d, 0o700))
			chown(t, p, nobody)
			return d, p
		}, "is owned by uid 65534, not by you or root"},
		{"symlink into a dir others can write", false, func(t *testing.T) (string, string) {
			d := t.TempDir()
			chmod(t, d, 0o777)
			link := filepath.Join(t.TempDir(), "link")
			mustDo(t, os.Symlink(d, link))
			return link, d
		}, "is writable by other users"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.root {
				needRoot(t)
			}
			privateRuntimeDir(t)
			dir, culprit := tt.make(t)
			for name, content := range validContent {
				mustDo(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600))
			}
			s, err := Open(Options{ConfigDir: dir, Keychain: newMemStore()})
			if err != nil {
				t.Fatal(err)
			}
			ix := &index{path: filepath.Join(dir, IndexFileName), file: indexFile{Version: indexVersion}}
			ops := map[string]func() error{
				"save index":  ix.save,
				"save config": func() error { return s.SaveRegistration("google", Settings{ClientID: "g2"}) },
				"write log":   func() error { return s.recordAccess(context.Background(), entry(1)) },
			}
			for name, read := range trustReaders {
				ops["read "+name] = func() error { return read(dir) }
			}
			for op, f := range ops {
				err := within(t, f)
				if tt.want == "" {
					if err != nil {
						t.Errorf("%s in a trusted dir: %v", op, err)
					}
					continue
				}
				checkRefused(t, err, culprit, tt.want, "")
			}
			if tt.want != "" {
				if data, _ := os.ReadFile(filepath.Join(dir, IndexFileName)); string(data) != validContent[IndexFileName] {
					t.Error("the index was written in an untrusted dir")
				}
				if data, _ := os.ReadFile(filepath.Join(dir, AccessLogFileName)); len(data) != 0 {
					t.Error("the access log was written in an untrusted dir")
				}
			}
		})
	}
}

// TestTrustFIFOAtAccessLog: a FIFO at the access log's path fails the
// token request at once (the token is not handed out unrecorded), with or
// without a process reading the FIFO.
func TestTrustFIFOAtAccessLog(t *testing.T) {
	privateRuntimeDir(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, AccessLogFileName)
	mustDo(t, syscall.Mkfifo(fifo, 0o600))
	s := newLogService(t, dir)
	for _, reader := range []bool{false, true} {
		if reader {
			fd, err := syscall.Open(fifo, syscall.O_RDONLY|syscall.O_NONBLOCK, 0)
			mustDo(t, err)
			defer syscall.Close(fd)
		}
		err := within(t, func() error { return s.recordAccess(context.Background(), entry(1)) })
		checkRefused(t, err, fifo, "is a FIFO, not a regular file", "rm "+fifo)
		if !strings.Contains(err.Error(), "write the access log") {
			t.Errorf("the error does not say what Latchkey was doing: %v", err)
		}
	}
}

// TestLockDirFallback: without XDG_RUNTIME_DIR, lock files go to a
// private dir in the user's cache dir, never a fixed name in the temp dir.
func TestLockDirFallback(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", "")
	t.Setenv("HOME", home)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, "cache"))
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	cache, err := os.UserCacheDir()
	mustDo(t, err)
	dir, err := RuntimeDir()
	mustDo(t, err)
	if want := filepath.Join(cache, "latchkey", "run"); dir != want {
		t.Errorf("lock dir = %s, want %s", dir, want)
	}
	fi, err := os.Lstat(dir)
	if err != nil || !isPrivateDir(fi) {
		t.Errorf("lock dir %s: %v, %v; want a private dir", dir, fi, err)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("the temp dir got %v", entries)
	}
	l, err := lockFile(context.Background(), "index.lock")
	mustDo(t, err)
	l.unlock()
	if _, err := os.Stat(filepath.Join(dir, "index.lock")); err != nil {
		t.Error(err)
	}
}

// TestLockRuntimeDirMustBeTrusted: an XDG_RUNTIME_DIR others can write or
// that is not the user's is refused, naming it.
func TestLockRuntimeDirMustBeTrusted(t *testing.T) {
	tests := []struct {
		name string
		root bool
		mode os.FileMode
		want string
	}{
		{"sticky shared, like /tmp", false, 0o777 | os.ModeSticky, "is a shared directory"},
		{"group-writable", false, 0o770, "is writable by other users"},
		{"another user's", true, 0o700, "is owned by uid 65534"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.root {
				needRoot(t)
			}
			rt := t.TempDir()
			chmod(t, rt, tt.mode)
			if tt.root {
				chown(t, rt, nobody)
			}
			t.Setenv("XDG_RUNTIME_DIR", rt)
			_, err := lockFile(context.Background(), "index.lock")
			checkRefused(t, err, rt, tt.want, "XDG_RUNTIME_DIR must name a directory of your own")
			if _, err := os.Lstat(filepath.Join(rt, "latchkey")); err == nil {
				t.Error("a lock dir was made in an untrusted XDG_RUNTIME_DIR")
			}
		})
	}
}

// checkRefused fails unless err is an ErrStorage error naming path, what
// is wrong (want) and the fix (fix, if not empty).
func checkRefused(t *testing.T, err error, path, want, fix string) {
	t.Helper()
	if !errors.Is(err, ErrStorage) {
		t.Fatalf("err = %v, want ErrStorage", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, path+" "+want) || !strings.Contains(msg, fix) {
		t.Errorf("err = %q, want %q and %q", msg, path+" "+want, fix)
	}
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	mustDo(t, os.Chmod(path, mode))
}

func chown(t *testing.T, path string, uid int) {
	t.Helper()
	mustDo(t, os.Chown(path, uid, uid))
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
