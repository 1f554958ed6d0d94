//go:build freebsd || netbsd || openbsd || dragonfly

package accounts

import (
	"testing"

	"github.com/latchkey/latchkey/accounts/secretstore"
)

// keychainForTest: the private keyring helper (keyringtest) runs on Linux
// only.
func keychainForTest(tb testing.TB) *secretstore.Keyring {
	tb.Skip("no private Secret Service for tests on this OS")
	return nil
}
