package session

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAutostartLaunchAgent: Enable writes a LaunchAgent that runs the app
// once at login with --hidden and is not kept alive (so Quit quits), which
// plutil accepts; Disable deletes it. HOME is a temporary one.
func TestAutostartLaunchAgent(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	exe := filepath.Join(t.TempDir(), "Latchkey & Co.app")
	if err := os.WriteFile(exe, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	a := Autostart{ID: "io.github.latchkey.Latchkey", Name: "Latchkey", Exec: exe, Args: []string{"--hidden"}}
	if err := a.Enable(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(home, "Library", "LaunchAgents", "io.github.latchkey.Latchkey.plist")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<string>io.github.latchkey.Latchkey</string>", "<string>" + strings.ReplaceAll(exe, "&", "&amp;") + "</string>",
		"<string>--hidden</string>", "<key>RunAtLoad</key>\n\t<true/>"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("LaunchAgent lacks %q:\n%s", want, data)
		}
	}
	if strings.Contains(string(data), "KeepAlive") {
		t.Error("a LaunchAgent with KeepAlive would start the app again after Quit")
	}
	if out, err := exec.Command("plutil", "-lint", path).CombinedOutput(); err != nil {
		t.Errorf("plutil -lint: %v: %s", err, out)
	}
	if on, err := a.Enabled(); !on || err != nil {
		t.Errorf("Enabled = %v, %v", on, err)
	}
	if err := a.Disable(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("LaunchAgent still there after Disable: %v", err)
	}
}
