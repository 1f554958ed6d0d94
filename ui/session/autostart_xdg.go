//go:build !darwin && !windows

package session

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// xdgConfigHome is $XDG_CONFIG_HOME, else ~/.config (XDG Base Directory).
func xdgConfigHome() (string, error) {
	if d := os.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(d) {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("autostart: no home directory: %w", err)
	}
	return filepath.Join(home, ".config"), nil
}

// path is the entry of the XDG Autostart specification:
// $XDG_CONFIG_HOME/autostart/ID.desktop.
func (a Autostart) path() (string, error) {
	base, err := xdgConfigHome()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "autostart", a.ID+".desktop"), nil
}

// DesktopEntry is the autostart entry's text. packaging/ holds the same
// entry with the installed program's name in Exec.
func (a Autostart) DesktopEntry() string {
	return "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=" + a.Name + "\n" +
		"Comment=" + a.Comment + "\n" +
		"Exec=" + a.execLine() + "\n" +
		"Icon=" + a.ID + "\n" +
		"Terminal=false\n" +
		"NoDisplay=true\n" +
		"X-GNOME-Autostart-enabled=true\n"
}

// execLine is the Exec key's value: the program and its arguments.
func (a Autostart) execLine() string {
	line := desktopExecQuote(a.Exec)
	for _, arg := range a.Args {
		line += " " + desktopExecQuote(arg)
	}
	return line
}

// desktopExecQuote quotes a path for an Exec key (Desktop Entry
// Specification, "The Exec key"): quoted when it has a reserved character.
func desktopExecQuote(p string) string {
	if !strings.ContainsAny(p, " \t\n\"'\\><~|&;$*?#()`%") {
		return p
	}
	r := strings.NewReplacer(`\`, `\\\\`, `"`, `\\"`, "`", "\\\\`", `$`, `\\$`, `%`, `%%`)
	return `"` + r.Replace(p) + `"`
}

func (a Autostart) enabled() (bool, error) {
	p, err := a.path()
	if err != nil {
		return false, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("autostart: %w", err)
	}
	// Desktops let people switch an entry off without deleting it.
	for _, line := range strings.Split(string(data), "\n") {
		switch strings.TrimSpace(line) {
		case "Hidden=true", "X-GNOME-Autostart-enabled=false":
			return false, nil
		}
	}
	return true, nil
}

func (a Autostart) enable() error {
	p, err := a.path()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(p, []byte(a.DesktopEntry()), 0o644); err != nil {
		return fmt.Errorf("autostart: write %s: %w", p, err)
	}
	return nil
}

func (a Autostart) disable() error {
	p, err := a.path()
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("autostart: remove %s: %w", p, err)
	}
	return nil
}
