//go:build linux

package accounts

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/secretstore"
)

// keychainForTest returns a Keyring on the private gnome-keyring TestMain
// started (and pointed this process at).
func keychainForTest(tb testing.TB) *secretstore.Keyring {
	tb.Helper()
	if keyringSession == nil {
		tb.Fatal("no private gnome-keyring: TestMain did not start one")
	}
	return secretstore.New(KeychainService, 10*time.Second)
}
