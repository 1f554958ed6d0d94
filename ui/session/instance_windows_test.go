package session

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// testInstanceName is a name of the test's own: pipes are machine-wide,
// and a real Latchkey may be running.
func testInstanceName(t *testing.T) string {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	return fmt.Sprintf("test%d", os.Getpid())
}

// TestClaimNamedPipe: on Windows the running instance listens on a named
// pipe carrying the user's SID and session; a second launch activates it
// and is told to exit; once it is closed, the next launch claims.
func TestClaimNamedPipe(t *testing.T) {
	name := testInstanceName(t)
	activated := make(chan struct{}, 2)
	first, err := Claim(name, func() { activated <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(first.path, `\\.\pipe\io.github.latchkey.Latchkey.`+name+".S-1-") {
		t.Errorf("endpoint %q is not a per-user named pipe", first.path)
	}
	secondLaunchActivates(t, name, activated)
	// Junk and an idle client do not stop it answering the next launch.
	c, err := dial(first.path)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("not a request\n"))
	c.Close()
	if err := activate(first.path); err != nil {
		t.Errorf("activate after junk: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Claim(name, nil)
	if err != nil {
		t.Fatalf("Claim after the first instance closed: %v", err)
	}
	again.Close()
}
