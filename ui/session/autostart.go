package session

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Autostart describes the entry that starts an app at login.
type Autostart struct {
	// ID is the app's reverse-DNS ID; it names the entry
	// (io.github.latchkey.Latchkey.desktop, .plist, or the Run value).
	ID string
	// Name is the app's name as people read it.
	Name string
	// Comment is one sentence saying what the app does (Linux only).
	Comment string
	// Exec is the absolute path of the program to start.
	Exec string
	// Args are its arguments (plain words: no quoting is applied to them
	// beyond what each OS needs for spaces).
	Args []string
}

// ErrNoExecutable means the program to start is not an absolute path of an
// existing file, so an entry would not start anything.
var ErrNoExecutable = errors.New("the program to start at login was not found")

func (a Autostart) check() error {
	if a.ID == "" || strings.ContainsAny(a.ID, `/\`) {
		return fmt.Errorf("autostart: invalid app ID %q", a.ID)
	}
	if !filepath.IsAbs(a.Exec) {
		return fmt.Errorf("%w: %q is not an absolute path", ErrNoExecutable, a.Exec)
	}
	if _, err := os.Stat(a.Exec); err != nil {
		return fmt.Errorf("%w: %v", ErrNoExecutable, err)
	}
	return nil
}

// Enabled reports whether the app starts at login.
func (a Autostart) Enabled() (bool, error) { return a.enabled() }

// Enable makes the app start at login, replacing an older entry (for
// example one pointing at a program that moved).
func (a Autostart) Enable() error {
	if err := a.check(); err != nil {
		return err
	}
	return a.enable()
}

// Disable stops the app starting at login. Disabling when it is not
// enabled does nothing.
func (a Autostart) Disable() error { return a.disable() }

// Set enables or disables starting at login.
func (a Autostart) Set(on bool) error {
	if on {
		return a.Enable()
	}
	return a.Disable()
}

// writeFileAtomic replaces path with data through a temporary file, so a
// crash never leaves half an entry.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".latchkey-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
