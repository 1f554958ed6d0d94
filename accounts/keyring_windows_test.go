package accounts

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/secretstore"
)

// keychainForTestService keeps the tests' credentials apart from a real
// Latchkey's on a Windows machine a developer uses.
const keychainForTestService = "latchkey-test"

// keychainForTest returns a Keyring on the real Credential Manager (under
// make wine, Wine's, in a prefix of the test run's own), with 2560-byte
// chunks as in production.
func keychainForTest(tb testing.TB) *secretstore.Keyring {
	tb.Helper()
	return secretstore.New(keychainForTestService, 10*time.Second)
}
