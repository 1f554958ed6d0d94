package accounts

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/providertest"
)

// TestWithSecretstoreKeyring runs a connect and a refresh through the real
// secretstore.Keyring (chunking, key checks, serial worker) over the OS
// keychain of the platform's keychainForTest: a private gnome-keyring on
// Linux, go-keyring's in-memory mock elsewhere.
func TestWithSecretstoreKeyring(t *testing.T) {
	store := keychainForTest(t)
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{RefreshTokenSize: 6000})
	s := newTestService(t, store, microsoftConfig(m))
	ctx := context.Background()
	if _, err := s.Connect(ctx, ConnectRequest{Provider: "microsoft", Timeout: 30 * time.Second}); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	expireStoredAccess(t, store, accessKey(msID, graph))
	tok, err := s.Token(ctx, msID, nil)
	if err != nil || m.Refreshes() != 1 {
		t.Fatalf("Token = %v, %v (%d refreshes)", tok != nil, err, m.Refreshes())
	}
	if _, err := s.Remove(ctx, msID); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Get(ctx, refreshKey(msID)); err == nil {
		t.Error("Remove left the refresh token in the keychain")
	}
}

// expireStoredAccess rewrites the access item under key as expired an hour
// ago, through the keychain's own Set.
func expireStoredAccess(tb testing.TB, store SecretStore, key string) {
	tb.Helper()
	ctx := context.Background()
	data, err := store.Get(ctx, key)
	if err != nil {
		tb.Fatal(err)
	}
	var at AccessToken
	if err := json.Unmarshal(data, &at); err != nil {
		tb.Fatal(err)
	}
	at.Expiry = time.Now().Add(-time.Hour)
	data, _ = json.Marshal(at)
	if err := store.Set(ctx, key, data); err != nil {
		tb.Fatal(err)
	}
}
