//go:build darwin

package session

import (
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// path is the LaunchAgent ~/Library/LaunchAgents/ID.plist, which launchd
// loads at login.
func (a Autostart) path() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("autostart: no home directory: %w", err)
	}
	return filepath.Join(home, "Library", "LaunchAgents", a.ID+".plist"), nil
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// plist is the LaunchAgent: run Exec once at login, not kept alive, so
// Quit really quits.
func (a Autostart) plist() string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>` + xmlEscape(a.ID) + `</string>
	<key>ProgramArguments</key>
	<array>
		<string>` + xmlEscape(a.Exec) + `</string>` + a.argStrings() + `
	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>ProcessType</key>
	<string>Interactive</string>
</dict>
</plist>
`
}

func (a Autostart) enabled() (bool, error) {
	p, err := a.path()
	if err != nil {
		return false, err
	}
	_, err = os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

func (a Autostart) enable() error {
	p, err := a.path()
	if err != nil {
		return err
	}
	return writeFileAtomic(p, []byte(a.plist()), 0o644)
}

func (a Autostart) disable() error {
	p, err := a.path()
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("autostart: %w", err)
	}
	return nil
}

func (a Autostart) argStrings() string {
	var b strings.Builder
	for _, arg := range a.Args {
		b.WriteString("\n\t\t<string>" + xmlEscape(arg) + "</string>")
	}
	return b.String()
}
