//go:build linux

package accounts

import (
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/secretstore"
	"github.com/latchkey/latchkey/accounts/secretstore/keyringtest"
)

// keychainForTest starts a private gnome-keyring for tb, points this
// process at it, and returns a Keyring on it.
func keychainForTest(tb testing.TB) *secretstore.Keyring {
	tb.Helper()
	sess, err := keyringtest.Start()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(sess.Close)
	for _, kv := range sess.Env {
		k, v, _ := strings.Cut(kv, "=")
		tb.Setenv(k, v)
	}
	tb.Setenv("DISPLAY", "")
	tb.Setenv("WAYLAND_DISPLAY", "")
	return secretstore.New(KeychainService, 10*time.Second)
}
