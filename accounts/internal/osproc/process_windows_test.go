package osproc

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// snapshotParentEnv makes TestProcessSnapshot, run as a child of itself,
// check its parent: the PID of the test process that started it.
const snapshotParentEnv = "LATCHKEY_TEST_SNAPSHOT_PARENT"

// TestProcessSnapshot: the requester's name and parent come from a
// snapshot of Windows' process table (CreateToolhelp32Snapshot). The test
// binary starts itself, so that the parent is a Windows process of known
// name (a program Wine starts from Linux has none).
func TestProcessSnapshot(t *testing.T) {
	self := strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
	if got := processName(os.Getpid()); !strings.EqualFold(got, self) {
		t.Errorf("processName(self) = %q, want %q", got, self)
	}
	if args := processArgs(os.Getpid()); args != nil {
		t.Errorf("processArgs = %q, want none on Windows", args)
	}
	if _, ok := parentPID(1 << 30); ok {
		t.Error("parentPID found a process that does not exist")
	}
	if parent := os.Getenv(snapshotParentEnv); parent != "" {
		ppid, ok := parentPID(os.Getpid())
		if !ok || strconv.Itoa(ppid) != parent {
			t.Errorf("parentPID(self) = %d, %v; want %s", ppid, ok, parent)
		}
		if got := processName(ppid); !strings.EqualFold(got, self) {
			t.Errorf("processName(parent) = %q, want %q", got, self)
		}
		return
	}
	child := exec.Command(os.Args[0], "-test.run=^TestProcessSnapshot$", "-test.count=1")
	child.Env = append(os.Environ(), snapshotParentEnv+"="+strconv.Itoa(os.Getpid()))
	if out, err := child.CombinedOutput(); err != nil || !strings.Contains(string(out), "PASS") {
		t.Errorf("the child's checks: %v\n%s", err, out)
	}
}
