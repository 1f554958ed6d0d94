//go:build latchkey_killpoints && unix

package killpoint

import (
	"os"
	"syscall"
)

var target = os.Getenv("LATCHKEY_TEST_KILL_AT")

// At kills this process with SIGKILL, as a crash or `kill -9` would, when
// name is the point named in LATCHKEY_TEST_KILL_AT.
func At(name string) {
	if name == target {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}
