package session

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/windows/registry"
)

// TestAutostartRunKey: Enable writes the quoted command line as a value of
// HKCU\Software\Microsoft\Windows\CurrentVersion\Run, which Windows runs
// at sign-in; Disable deletes it, twice without harm.
func TestAutostartRunKey(t *testing.T) {
	exe := filepath.Join(t.TempDir(), "Latchkey Tray.exe") // a space, as in Program Files
	if err := os.WriteFile(exe, []byte("MZ"), 0o755); err != nil {
		t.Fatal(err)
	}
	// An ID of the test's own, so a real Latchkey's entry is left alone.
	a := Autostart{ID: fmt.Sprintf("io.github.latchkey.LatchkeyTest%d", os.Getpid()), Name: "Latchkey", Exec: exe, Args: []string{"--hidden"}}
	t.Cleanup(func() { a.Disable() })
	if on, err := a.Enabled(); on || err != nil {
		t.Fatalf("Enabled before Enable = %v, %v", on, err)
	}
	if err := a.Set(true); err != nil {
		t.Fatal(err)
	}
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	v, typ, err := k.GetStringValue(a.ID)
	k.Close()
	if want := `"` + exe + `" "--hidden"`; err != nil || v != want || typ != registry.SZ {
		t.Errorf("Run value = %q (type %d), %v; want %q", v, typ, err, want)
	}
	if on, err := a.Enabled(); !on || err != nil {
		t.Errorf("Enabled after Enable = %v, %v", on, err)
	}
	for range 2 {
		if err := a.Set(false); err != nil {
			t.Fatal(err)
		}
	}
	if on, err := a.Enabled(); on || err != nil {
		t.Errorf("Enabled after Disable = %v, %v", on, err)
	}
	missing := a
	missing.Exec = filepath.Join(t.TempDir(), "gone.exe")
	if err := missing.Enable(); !errors.Is(err, ErrNoExecutable) {
		t.Errorf("Enable of a missing program = %v, want ErrNoExecutable", err)
	}
	relative := a
	relative.Exec = "latchkey-tray.exe"
	if err := relative.Enable(); !errors.Is(err, ErrNoExecutable) {
		t.Errorf("Enable of a relative path = %v, want ErrNoExecutable", err)
	}
}
