//go:build !darwin && !windows

package session

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testAutostart(t *testing.T) (Autostart, string) {
	t.Helper()
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	exe := filepath.Join(t.TempDir(), "latchkey tray")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	a := Autostart{ID: "io.github.latchkey.Latchkey", Name: "Latchkey", Comment: "Keeps accounts connected", Exec: exe, Args: []string{"--hidden"}}
	return a, filepath.Join(cfg, "autostart", "io.github.latchkey.Latchkey.desktop")
}

func TestAutostartXDG(t *testing.T) {
	a, path := testAutostart(t)
	if on, err := a.Enabled(); on || err != nil {
		t.Fatalf("Enabled before Enable = %v, %v", on, err)
	}
	if err := a.Set(true); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no entry at $XDG_CONFIG_HOME/autostart: %v", err)
	}
	for _, want := range []string{"[Desktop Entry]\n", "Type=Application\n", "Name=Latchkey\n", "Icon=io.github.latchkey.Latchkey\n",
		`Exec="` + a.Exec + "\" --hidden\n"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("entry lacks %q:\n%s", want, data)
		}
	}
	if on, err := a.Enabled(); !on || err != nil {
		t.Errorf("Enabled after Enable = %v, %v", on, err)
	}

	// A desktop's "off" switch writes Hidden=true into the entry.
	os.WriteFile(path, append(data, "Hidden=true\n"...), 0o644)
	if on, _ := a.Enabled(); on {
		t.Error("an entry with Hidden=true counts as enabled")
	}
	if err := a.Enable(); err != nil {
		t.Fatal(err)
	}
	if on, _ := a.Enabled(); !on {
		t.Error("Enable did not replace a hidden entry")
	}

	if err := a.Set(false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("entry still there after Disable: %v", err)
	}
	if err := a.Disable(); err != nil {
		t.Errorf("second Disable: %v", err)
	}
}

func TestAutostartRefusesMissingProgram(t *testing.T) {
	a, path := testAutostart(t)
	for _, exec := range []string{"latchkey-tray", filepath.Join(t.TempDir(), "gone")} {
		a.Exec = exec
		if err := a.Enable(); !errors.Is(err, ErrNoExecutable) {
			t.Errorf("Enable with Exec %q = %v, want ErrNoExecutable", exec, err)
		}
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("an entry was written for a missing program")
	}
}

func TestDesktopExecQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/usr/bin/latchkey-tray", "/usr/bin/latchkey-tray"},
		{"/opt/my apps/latchkey", `"/opt/my apps/latchkey"`},
		{`/opt/$x/100%`, `"/opt/\\$x/100%%"`},
	}
	for _, tt := range tests {
		if got := desktopExecQuote(tt.in); got != tt.want {
			t.Errorf("desktopExecQuote(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
