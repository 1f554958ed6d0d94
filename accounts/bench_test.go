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
// writes, index note), with the expiry seen in the keychain only or, as
// after an hour, in the index note too. The command's figures, side by side with
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
	for _, by := range []string{"keychain", "time"} {
		b.Run("path=refresh/expired-by="+by, func(b *testing.B) {
			benchRefresh(b, s, store, m, by == "time")
		})
	}
}

// benchRefresh times Token on a token expired in the keychain item, and
// with byTime in the index note too, as an hour passing leaves it (then
// Token skips the keychain read before the lock).
func benchRefresh(b *testing.B, s *Service, store SecretStore, m *providertest.Microsoft, byTime bool) {
	ctx := context.Background()
	before := m.Refreshes()
	n := 0
	for b.Loop() {
		b.StopTimer()
		expireStoredAccess(b, store, accessKey(msID, graph))
		if byTime {
			err := s.updateIndex(ctx, func(ix *index) error {
				r := ix.byID(msID)
				r.Tokens[graph] = tokenInfo{Expiry: time.Now().Add(-time.Hour), Scopes: r.Tokens[graph].Scopes}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		if _, err := s.Token(ctx, msID, nil); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if got := m.Refreshes() - before; got != n {
		b.Fatalf("%d refreshes for %d expired tokens", got, n)
	}
}
