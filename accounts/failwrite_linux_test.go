package accounts

import (
	"os"
	"os/exec"
	"testing"

	"golang.org/x/sys/unix"
)

// failingWritesChild is set in the environment of the child process that
// runAloneInChild starts.
const failingWritesChild = "LATCHKEY_TEST_FAILING_WRITES_CHILD"

// runAloneInChild runs the calling test again, alone, in a child process
// of this test binary, and reports whether the caller must return now (it
// is the parent, and the child's verdict is in). failingWrites needs it:
// RLIMIT_FSIZE is process-wide, and go test has the binary keep a log of
// its file accesses (testlog.txt, for the test cache) that is already far
// past a small limit, so a flush of that log while the limit is down made
// the whole package fail with "file too large" now and then. The child is
// started without that log.
func runAloneInChild(t *testing.T) bool {
	t.Helper()
	if os.Getenv(failingWritesChild) != "" {
		return false
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), failingWritesChild+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s in a child process: %v\n%s", t.Name(), err, out)
	}
	t.Logf("%s passed in a child process:\n%s", t.Name(), out)
	return true
}

// failingWrites runs f with the process's file size limit lowered to
// limit bytes, so a write past it fails with EFBIG (Go ignores SIGXFSZ).
// Unlike a read-only directory, this also works when the tests run as root.
// Call it only in a test that starts with runAloneInChild.
func failingWrites(t *testing.T, limit int64, f func() error) error {
	t.Helper()
	if os.Getenv(failingWritesChild) == "" {
		t.Fatal("failingWrites outside runAloneInChild would lower the test binary's own file size limit")
	}
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_FSIZE, &old); err != nil {
		t.Skipf("getrlimit: %v", err)
	}
	lim := old
	lim.Cur = uint64(limit)
	if err := unix.Setrlimit(unix.RLIMIT_FSIZE, &lim); err != nil {
		t.Skipf("setrlimit: %v", err)
	}
	defer unix.Setrlimit(unix.RLIMIT_FSIZE, &old)
	return f()
}
