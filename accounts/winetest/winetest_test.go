package winetest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// windowsPackages are the packages with Windows-only code, whose tests
// TestWindowsCodeUnderWine runs as Windows programs.
var windowsPackages = []string{
	"accounts",                 // lock, trust, Credential Manager
	"accounts/internal/osproc", // the requester (process snapshot)
	"accounts/secretstore",     // chunking at Credential Manager's 2560 bytes
	"ui/session",               // HKCU Run key, single instance (named pipe), notifications
}

// TestWindowsCodeUnderWine cross-builds the test binaries of
// windowsPackages and runs them under Wine, each in its package directory
// as go test would, in parallel.
func TestWindowsCodeUnderWine(t *testing.T) {
	Skip(t)
	p, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	root := filepath.Join(packageDir(), "..", "..")
	bin := t.TempDir()
	for _, pkg := range windowsPackages {
		t.Run(pkg, func(t *testing.T) {
			t.Parallel()
			exe := filepath.Join(bin, filepath.Base(pkg)+".test.exe")
			start := time.Now()
			if err := BuildTest(exe, "github.com/latchkey/latchkey/"+pkg); err != nil {
				t.Fatal(err)
			}
			built := time.Since(start)
			ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
			defer cancel()
			cmd := p.Command(ctx, exe, "-test.v", "-test.timeout=7m")
			cmd.Dir = filepath.Join(root, pkg)
			out, err := os.CreateTemp(bin, "out-")
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			cmd.Stdout, cmd.Stderr = out, out // a file: see Prefix.warm
			err = cmd.Run()
			log, _ := os.ReadFile(out.Name())
			passed, skipped, failed := count(log, "PASS"), count(log, "SKIP"), count(log, "FAIL")
			t.Logf("%s: built in %s, ran in %s under Wine: %d passed, %d skipped, %d failed",
				pkg, built.Round(100*time.Millisecond), (time.Since(start) - built).Round(100*time.Millisecond), passed, skipped, failed)
			for _, m := range regexp.MustCompile(`(?m)^(?:    .*\n)?--- SKIP: .*`).FindAll(log, -1) {
				t.Logf("%s", bytes.TrimSpace(m))
			}
			if err != nil || failed > 0 {
				t.Errorf("%s under Wine: %v\n%s", pkg, err, tail(log, 6000))
			}
		})
	}
}

// count is how many top-level tests ended with result.
func count(log []byte, result string) int {
	return len(regexp.MustCompile(`(?m)^--- `+result+`: `).FindAll(log, -1))
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
