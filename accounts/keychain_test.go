package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/providertest"
	"github.com/latchkey/latchkey/accounts/secretstore"
)

// TestTokenTypesRedacted: every type that carries a token shows none of it
// whatever the verb, and a keychain item that does not decode gives an
// error that quotes nothing of it; the stored JSON is the documented
// layout, token included.
func TestTokenTypesRedacted(t *testing.T) {
	const access, refresh, secret = "acc3ss-t0ken-value", "r3fresh-t0ken-value", "cl1ent-s3cret-value"
	at := AccessToken{Version: 1, Account: "google:a@example.com", Email: "a@example.com", Token: access,
		TokenType: "Bearer", Expiry: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), Scopes: []string{"openid"}, Resource: "default"}
	it := refreshItem{Version: 1, RefreshToken: refresh, ClientSecret: secret}
	secrets := []string{access, refresh, secret, "t0ken", "s3cret"}
	for _, s := range []string{access, refresh, secret} {
		secrets = append(secrets, fmt.Sprintf("%x", s)[:12], fmt.Sprintf("%X", s)[:12])
	}
	for _, v := range []any{at, &at, it, &it, []any{at, it}, map[string]any{"t": at, "r": &it}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %[1]v", "%10.3v"} {
			out := fmt.Sprintf(verb, v)
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("%s of %T shows %q: %s", verb, v, s, out)
				}
			}
		}
	}
	if out := fmt.Sprint(at); !strings.Contains(out, "google:a@example.com") || !strings.Contains(out, "redacted") {
		t.Errorf("AccessToken formats as %s: want the account and the word redacted", out)
	}

	// The stored item is the layout local programs read.
	data, err := json.Marshal(&at)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":1,"account":"google:a@example.com","email":"a@example.com","access_token":"acc3ss-t0ken-value",` +
		`"token_type":"Bearer","expires_at":"2030-01-02T03:04:05Z","scopes":["openid"],"resource":"default"}`
	if string(data) != want {
		t.Errorf("stored access item\n got %s\nwant %s", data, want)
	}
	var back AccessToken
	if err := json.Unmarshal(data, &back); err != nil || back.Token != access || !back.Expiry.Equal(at.Expiry) {
		t.Errorf("access item does not decode back: %v", err)
	}
	if data, _ := json.Marshal(it); string(data) != `{"version":1,"refresh_token":"r3fresh-t0ken-value","client_secret":"cl1ent-s3cret-value"}` {
		t.Errorf("stored refresh item: %s", data)
	}

	// Damaged items: the errors name the member, never its value.
	for _, bad := range []string{
		`{"version":1,"access_token":12345678901234567890,"refresh_token":12345678901234567890}`,
		`{"version":1,"access_token":{"acc3ss-t0ken-value":1},"refresh_token":["r3fresh-t0ken-value"]}`,
		`{"version":"r3fresh-t0ken-value"}`,
		`{"version":1,"access_token":"acc3ss-t0ken-value" r3fresh-t0ken-value}`,
		`{"version":1,"expires_at":"acc3ss-t0ken-value"}`,
		`acc3ss-t0ken-value`,
	} {
		var a AccessToken
		var r refreshItem
		for _, err := range []error{json.Unmarshal([]byte(bad), &a), json.Unmarshal([]byte(bad), &r), errOf(parseRefresh("google:a@example.com", []byte(bad)))} {
			if err == nil {
				continue
			}
			for _, s := range append(secrets, "1234567890") {
				if strings.Contains(err.Error(), s) || strings.Contains(fmt.Sprintf("%#v", err), s) {
					t.Errorf("decoding %s: error quotes %q: %v", bad, s, err)
				}
			}
		}
	}
}

func errOf(_ *refreshItem, err error) error { return err }

// TestCheckKeychain: a connected account is reported as the keychain
// finds it (locked, unavailable, its item gone); other statuses and the
// index are left alone.
func TestCheckKeychain(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	store := newMemStore()
	s := connectMicrosoft(t, m, store)
	ctx := context.Background()
	list, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	list = append(list, Account{ID: "google:x@example.com", Status: StatusNeedsReconnect, StatusReason: "expired"})
	for _, tt := range []struct {
		name   string
		err    error
		remove bool
		want   Status
	}{
		{"answers", nil, false, StatusConnected},
		{"locked", fmt.Errorf("keychain read: %w", secretstore.ErrLocked), false, StatusKeychainLocked},
		{"missing", fmt.Errorf("keychain read: %w: no Secret Service", secretstore.ErrUnavailable), false, StatusKeychainUnavailable},
		{"stuck", fmt.Errorf("keychain read: %w: did not answer (%w)", secretstore.ErrUnavailable, context.DeadlineExceeded), false, StatusKeychainUnavailable},
		{"item gone", nil, true, StatusMissingFromKeychain},
	} {
		t.Run(tt.name, func(t *testing.T) {
			store.mu.Lock()
			store.err = tt.err
			saved := store.items[refreshKey(msID)]
			if tt.remove {
				delete(store.items, refreshKey(msID))
			}
			store.mu.Unlock()
			defer func() {
				store.mu.Lock()
				store.err, store.items[refreshKey(msID)] = nil, saved
				store.mu.Unlock()
			}()
			got, err := s.CheckKeychain(ctx, list)
			if (err != nil) != (tt.err != nil) || tt.err != nil && !errors.Is(err, ErrKeychain) {
				t.Errorf("error %v, want one wrapping ErrKeychain: %v", err, tt.err != nil)
			}
			if len(got) != 2 || got[0].Status != tt.want || (tt.want != StatusConnected) != (got[0].StatusReason != "") {
				t.Errorf("status %q (%q), want %q", got[0].Status, got[0].StatusReason, tt.want)
			}
			if got[1].Status != StatusNeedsReconnect || got[1].StatusReason != "expired" {
				t.Errorf("an account that needs reconnecting became %q", got[1].Status)
			}
			if l, _ := s.List(ctx); l[0].Status != StatusConnected {
				t.Errorf("the index changed: %q", l[0].Status)
			}
		})
	}
}
