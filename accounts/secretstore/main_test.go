//go:build linux

package secretstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/secretstore/keyringtest"
	"github.com/zalando/go-keyring"
)

// helperEnv makes the test binary act as a small client (see runHelper)
// instead of running tests, so that tests can run go-keyring in a process
// with an environment of their choosing: godbus caches its session bus
// connection for the life of a process.
const helperEnv = "LATCHKEY_SECRETSTORE_HELPER"

// session is the private Secret Service every test in this package uses.
var session *keyringtest.Session

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
	case "mock":
		keyring.MockInit()
		os.Exit(m.Run())
	default:
		os.Exit(runHelper(os.Getenv(helperEnv)))
	}
	s, err := keyringtest.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	session = s
	restore := s.Setenv()
	code := m.Run()
	restore()
	s.Close()
	os.Exit(code)
}

// runHelper reads LATCHKEY_SECRETSTORE_KEY with a fresh Keyring and prints
// "<kind> <elapsed>\n<error>".
func runHelper(mode string) int {
	if mode != "get" {
		fmt.Fprintln(os.Stderr, "unknown helper mode", mode)
		return 2
	}
	k := New("latchkey-test", 0)
	start := time.Now()
	_, err := k.Get(context.Background(), os.Getenv("LATCHKEY_SECRETSTORE_KEY"))
	kind := "ok"
	switch {
	case errors.Is(err, ErrLocked):
		kind = "locked"
	case errors.Is(err, ErrUnavailable):
		kind = "unavailable"
	case errors.Is(err, ErrNotFound):
		kind = "notfound"
	case err != nil:
		kind = "other"
	}
	fmt.Printf("%s %s\n%v\n", kind, time.Since(start), err)
	return 0
}
