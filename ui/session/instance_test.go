//go:build unix

package session

import (
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func privateRuntime(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	os.Chmod(d, 0o700)
	t.Setenv("XDG_RUNTIME_DIR", d)
	return filepath.Join(d, "latchkey")
}

func TestClaimSecondLaunchActivatesFirst(t *testing.T) {
	privateRuntime(t)
	activated := make(chan struct{}, 2)
	first, err := Claim("tray", func() { activated <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()

	secondLaunchActivates(t, "tray", activated)
}

func TestClaimTakesOverStaleSocket(t *testing.T) {
	dir := privateRuntime(t)
	// A crashed instance leaves its socket file behind.
	first, err := Claim("tray", nil)
	if err != nil {
		t.Fatal(err)
	}
	first.ln.(*net.UnixListener).SetUnlinkOnClose(false)
	first.Close()
	if _, err := os.Stat(filepath.Join(dir, "tray.sock")); err != nil {
		t.Fatalf("stale socket not left behind: %v", err)
	}
	again, err := Claim("tray", nil)
	if err != nil {
		t.Fatalf("Claim over a stale socket: %v", err)
	}
	again.Close()
}

func TestClaimRefusesSharedDir(t *testing.T) {
	dir := privateRuntime(t)
	os.MkdirAll(dir, 0o700)
	os.Chmod(dir, 0o777)
	if in, err := Claim("tray", nil); err == nil {
		in.Close()
		t.Fatal("Claim used a directory others can write to")
	}
}

func TestInstanceIgnoresOtherRequests(t *testing.T) {
	dir := privateRuntime(t)
	in, err := Claim("tray", func() { t.Error("activated by a malformed request") })
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	c, err := net.Dial("unix", filepath.Join(dir, "tray.sock"))
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("quit\n"))
	buf := make([]byte, 8)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, _ := c.Read(buf); n != 0 {
		t.Errorf("answered %q to a malformed request", buf[:n])
	}
	c.Close()
}
