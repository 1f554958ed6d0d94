//go:build !(linux || freebsd || netbsd || openbsd || dragonfly || windows)

package accounts

import (
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/latchkey/latchkey/accounts/secretstore"
)

// keychainForTest returns a Keyring over go-keyring's in-memory mock, the
// backend secretstore uses outside Linux.
func keychainForTest(tb testing.TB) *secretstore.Keyring {
	tb.Helper()
	keyring.MockInit()
	return secretstore.New(KeychainService, 10*time.Second)
}
