package accounts

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/latchkey/latchkey/accounts/providertest"
	"github.com/latchkey/latchkey/accounts/secretstore"
)

// TestWithSecretstoreKeyring runs a connect and a refresh through the real
// secretstore.Keyring (chunking, key checks, serial worker) over the
// private gnome-keyring TestMain starts, else go-keyring's in-memory mock.
// (The mock replaces go-keyring's backend for the rest of the process, so
// it is only used where there is no real one: the examples need it.)
func TestWithSecretstoreKeyring(t *testing.T) {
	if keyringSession == nil {
		keyring.MockInit()
		// secretstore only needs a session bus address to exist; the mock never dials it.
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/latchkey-test-bus")
	}
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{RefreshTokenSize: 6000})
	store := secretstore.New(KeychainService, 10*time.Second)
	s := newTestService(t, store, microsoftConfig(m))
	ctx := context.Background()
	if _, err := s.Connect(ctx, ConnectRequest{Provider: "microsoft", Timeout: 30 * time.Second}); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	data, err := store.Get(ctx, accessKey(msID, graph))
	if err != nil {
		t.Fatal(err)
	}
	var at AccessToken
	json.Unmarshal(data, &at)
	at.Expiry = time.Now().Add(-time.Hour)
	data, _ = json.Marshal(at)
	if err := store.Set(ctx, accessKey(msID, graph), data); err != nil {
		t.Fatal(err)
	}
	tok, err := s.Token(ctx, msID, nil)
	if err != nil || tok.Token == at.Token || m.Refreshes() != 1 {
		t.Fatalf("Token = %v, %v (%d refreshes)", tok != nil, err, m.Refreshes())
	}
	if _, err := s.Remove(ctx, msID); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Get(ctx, refreshKey(msID)); err == nil {
		t.Error("Remove left the refresh token in the keychain")
	}
}
