//go:build unix

// Package hooktest helps tests of Latchkey's hooks: it writes hook
// scripts where only the test's user can change them, and waits for a
// process a killed hook started to be gone.
package hooktest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Script writes an executable shell script with body into a private dir
// (mode 0700) and returns its path.
func Script(t testing.TB, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "hook.sh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

// WaitGone fails the test unless the process whose pid is in pidFile is
// gone (or a zombie: killed, waiting to be reaped) within 5 seconds.
func WaitGone(t testing.TB, pidFile string) {
	t.Helper()
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("%s holds no pid: %q", pidFile, data)
	}
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); strings.Contains(string(stat), ") Z ") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d, started by a hook, outlived the hook's timeout", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
