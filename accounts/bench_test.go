package accounts

import (
	"context"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/providertest"
)

// BenchmarkToken measures Service.Token on its two paths against the
// platform's keychain (a private gnome-keyring on Linux) and the Microsoft
// emulator: "cached" hands out the stored access token, "refresh" finds it
// expired and renews it (lock, keychain reads, token request, keychain
// writes, index note). The command's figures, side by side with
// secret-tool and curl, come from cmd/latchkey/testdata/bench.sh.
//
//	go test -run '^$' -bench Token ./accounts/
func BenchmarkToken(b *testing.B) {
	store := keychainForTest(b)
	m := providertest.NewMicrosoft(b, providertest.MicrosoftOptions{})
	privateRuntimeDir(b)
	dir := b.TempDir()
	writeConfig(b, dir, microsoftConfig(m))
	s, err := Open(Options{ConfigDir: dir, Keychain: store, OpenBrowser: providertest.Browser(b)})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Connect(ctx, ConnectRequest{Provider: "microsoft", Timeout: 30 * time.Second}); err != nil {
		b.Fatal(err)
	}
	b.Run("path=cached", func(b *testing.B) {
		before := m.Refreshes()
		for b.Loop() {
			if _, err := s.Token(ctx, msID, nil); err != nil {
				b.Fatal(err)
			}
		}
		if m.Refreshes() != before {
			b.Fatal("the cached path refreshed")
		}
	})
	b.Run("path=refresh", func(b *testing.B) {
		before := m.Refreshes()
		n := 0
		for b.Loop() {
			b.StopTimer()
			expireStoredAccess(b, store, accessKey(msID, graph))
			b.StartTimer()
			if _, err := s.Token(ctx, msID, nil); err != nil {
				b.Fatal(err)
			}
			n++
		}
		if got := m.Refreshes() - before; got != n {
			b.Fatalf("%d refreshes for %d expired tokens", got, n)
		}
	})
}
