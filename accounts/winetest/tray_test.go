package winetest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TrayEnv names the Windows desktop app (make package-windows builds it)
// that TestTrayStartsUnderWine starts.
const TrayEnv = "LATCHKEY_WINE_TRAY"

// TestTrayStartsUnderWine is a smoke check of the desktop app built for
// Windows (cgo, mingw-w64): under Wine, in the X server of DISPLAY (make
// wine runs it in Xvfb), its accounts window appears, and a second launch
// brings it forward and exits instead of starting a second app. What Wine
// cannot show (its tray is an XEmbed tray, not Windows' notification
// area) is left to a Windows machine: see the README.
func TestTrayStartsUnderWine(t *testing.T) {
	Skip(t)
	exe := os.Getenv(TrayEnv)
	if exe == "" || os.Getenv("DISPLAY") == "" {
		t.Skip("set " + TrayEnv + " to the Windows desktop app and DISPLAY to an X server (make wine does)")
	}
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("no xdotool")
	}
	p, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	env := p.Env("LATCHKEY_CONFIG_DIR=" + WindowsPath(t.TempDir()))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	start := time.Now()
	first := p.Command(ctx, exe)
	first.Env = env
	var out bytes.Buffer
	first.Stdout, first.Stderr = &out, &out
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		first.Process.Kill()
		first.Wait()
	})
	windows := func() []string {
		ids, _ := exec.Command("xdotool", "search", "--name", "^Latchkey$").Output()
		return strings.Fields(string(ids))
	}
	for len(windows()) == 0 {
		if time.Since(start) > time.Minute {
			t.Fatalf("no Latchkey window after a minute; the app said:\n%s", out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("the accounts window appeared %s after launch", time.Since(start).Round(100*time.Millisecond))

	second := p.Command(ctx, exe)
	second.Env = env
	launched := time.Now()
	msg, err := second.CombinedOutput()
	if err != nil || !strings.Contains(string(msg), "already running") {
		t.Errorf("second launch: %v, said %q; want it to find the first and exit", err, msg)
	}
	t.Logf("a second launch handed over and exited in %s", time.Since(launched).Round(100*time.Millisecond))
	if n := len(windows()); n != 1 {
		t.Errorf("%d Latchkey windows after the second launch, want 1", n)
	}
	if s := out.String(); strings.Contains(s, "single instance") || strings.Contains(s, "panic") {
		t.Errorf("the app said:\n%s", s)
	}
}
