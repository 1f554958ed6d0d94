package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/oauthflow"
	"github.com/latchkey/latchkey/accounts/providertest"
	"github.com/latchkey/latchkey/accounts/safetext"
)

// forgeIndex rewrites every record of the index in s's config dir with edit,
// as another local user who can write the config dir could.
func forgeIndex(t *testing.T, s *Service, edit func(r map[string]any)) {
	t.Helper()
	p := filepath.Join(s.dir, IndexFileName)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	for _, r := range f["accounts"].([]any) {
		edit(r.(map[string]any))
	}
	if err := os.WriteFile(p, []byte(mustJSON(t, f)), 0o600); err != nil {
		t.Fatal(err)
	}
}

func readItem(t *testing.T, store *memStore, key string) refreshItem {
	t.Helper()
	data, err := store.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	var it refreshItem
	if err := json.Unmarshal(data, &it); err != nil {
		t.Fatal(err)
	}
	return it
}

// TestProperty35_RefreshTokenBoundToKeychain: the refresh item holds the
// client, endpoints and identity of the sign-in; with the index's
// token_url, revoke_url and client_id pointing at another server, a
// refresh and a revoke still go to the real provider and the other server
// gets no request. An item of layout 1 adopts the index's values once.
func TestProperty35_RefreshTokenBoundToKeychain(t *testing.T) {
	ctx := context.Background()
	t.Run("forged index", func(t *testing.T) {
		g := providertest.NewGoogle(t, providertest.GoogleOptions{})
		store := newMemStore()
		s, _ := newReviewService(t, store, googleConfig(g))
		connectGoogle(t, s)
		it := readItem(t, store, refreshKey(bobID))
		if it.Version != KeychainVersion || it.TokenURL != g.TokenURL || it.RevokeURL != g.RevokeURL || it.ClientID != g.ClientID ||
			it.Issuer != g.Issuer || it.Subject == "" {
			t.Fatalf("refresh item is not bound: version %d, token %q, revoke %q, client %q, issuer %q", it.Version, it.TokenURL, it.RevokeURL, it.ClientID, it.Issuer)
		}
		rogue, hits := providertest.Rogue(t)
		forgeIndex(t, s, func(r map[string]any) {
			r["token_url"], r["revoke_url"], r["client_id"] = rogue+"/token", rogue+"/revoke", "rogue-client"
		})
		expireAccess(t, store, accessKey(bobID, defaultResource))
		if _, err := s.Token(ctx, bobID, nil); err != nil || g.Refreshes() != 1 {
			t.Fatalf("Token = %v, %d refreshes at the provider", err, g.Refreshes())
		}
		if _, err := s.Revoke(ctx, bobID, RevokeOptions{NoBrowser: true}); err != nil || g.Revokes() != 1 {
			t.Fatalf("Revoke = %v, %d revokes at the provider", err, g.Revokes())
		}
		if n := hits(); n != 0 {
			t.Errorf("the server the index names got %d requests", n)
		}
	})
	t.Run("layout 1 item", func(t *testing.T) {
		m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
		store := newMemStore()
		s := connectMicrosoft(t, m, store)
		bound := readItem(t, store, refreshKey(msID))
		store.put(refreshKey(msID), []byte(mustJSON(t, map[string]any{"version": 1, "refresh_token": bound.RefreshToken})))
		expireAccess(t, store, accessKey(msID, graph))
		if _, err := s.Token(ctx, msID, nil); err != nil {
			t.Fatal(err)
		}
		it := readItem(t, store, refreshKey(msID))
		if it.Version != KeychainVersion || it.TokenURL != bound.TokenURL || it.ClientID != bound.ClientID || it.Identity != bound.Identity {
			t.Errorf("a layout 1 item was not bound on first use: %+v", it.Identity)
		}
		// From then on the index no longer decides.
		rogue, hits := providertest.Rogue(t)
		forgeIndex(t, s, func(r map[string]any) { r["token_url"] = rogue + "/common/oauth2/v2.0/token" })
		expireAccess(t, store, accessKey(msID, graph))
		if _, err := s.Token(ctx, msID, nil); err != nil || hits() != 0 {
			t.Errorf("Token = %v; the forged endpoint got %d requests", err, hits())
		}
	})
}

// snapshot is every keychain item and the index, to compare byte for byte.
func snapshot(t *testing.T, s *Service, store *memStore) map[string]string {
	t.Helper()
	out := map[string]string{}
	store.mu.Lock()
	for k, v := range store.items {
		out[k] = string(v)
	}
	store.mu.Unlock()
	data, err := os.ReadFile(filepath.Join(s.dir, IndexFileName))
	if err != nil {
		t.Fatal(err)
	}
	out[IndexFileName] = string(data)
	return out
}

// TestProperty40_IdentityPinned: a sign-in that returns another person
// with the same address (another tenant, another user of the same tenant,
// another Google Account) changes nothing and says who is who; Replace
// replaces the account and leaves none of the old sign-in.
func TestProperty40_IdentityPinned(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name    string
		setup   func(t *testing.T, store *memStore) (s *Service, id string, switchUser func(), issued func() []string)
		request ConnectRequest
	}{
		{name: "microsoft other tenant", setup: func(t *testing.T, store *memStore) (*Service, string, func(), func() []string) {
			m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
			return connectMicrosoftMail(t, m, store), msID, func() { m.SwitchUser("0b5c7a1e-2d3f-4a6b-8c9d-e0f1a2b3c4d5", "Mallory") }, m.IssuedTokens
		}, request: ConnectRequest{Provider: "microsoft", Scopes: mailScopes}},
		{name: "microsoft same tenant other user", setup: func(t *testing.T, store *memStore) (*Service, string, func(), func() []string) {
			m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
			return connectMicrosoftMail(t, m, store), msID, func() { m.SwitchUser("", "Mallory") }, m.IssuedTokens
		}, request: ConnectRequest{Provider: "microsoft", Scopes: mailScopes}},
		{name: "google other sub", setup: func(t *testing.T, store *memStore) (*Service, string, func(), func() []string) {
			g := providertest.NewGoogle(t, providertest.GoogleOptions{})
			s, _ := newReviewService(t, store, googleConfig(g))
			connectGoogle(t, s)
			return s, bobID, func() { g.SwitchUser("Mallory") }, g.IssuedTokens
		}, request: ConnectRequest{Provider: "google"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			store := newMemStore()
			s, id, switchUser, issued := tt.setup(t, store)
			// Another resource's access item, which a replace must delete.
			otherRes := accessKey(id, "https://outlook.office.com")
			if strings.HasPrefix(id, "microsoft:") {
				if _, err := s.Token(ctx, id, []string{"https://outlook.office.com/IMAP.AccessAsUser.All"}); err != nil {
					t.Fatal(err)
				}
			}
			old := readItem(t, store, refreshKey(id))
			before := snapshot(t, s, store)
			switchUser()
			req := tt.request
			req.Timeout = 30 * time.Second
			_, err := s.Connect(ctx, req)
			var mismatch *IdentityMismatchError
			if !errors.As(err, &mismatch) || !errors.Is(err, ErrIdentityMismatch) || mismatch.Account != id ||
				mismatch.Connected != old.Identity || mismatch.SignedIn == old.Identity || !mismatch.CanReplace ||
				!strings.Contains(err.Error(), "Mallory") || !strings.Contains(err.Error(), "nothing was changed") {
				t.Fatalf("Connect as another person = %v", err)
			}
			if after := snapshot(t, s, store); !maps.Equal(before, after) {
				t.Error("a refused sign-in changed the keychain or the index")
			}

			req.Replace = true
			a, err := s.Connect(ctx, req)
			if err != nil || a.Name != "Mallory" {
				t.Fatalf("Connect with Replace = %+v, %v", a, err)
			}
			it := readItem(t, store, refreshKey(id))
			if it.RefreshToken == old.RefreshToken || it.Identity != mismatch.SignedIn {
				t.Error("Replace kept the old sign-in")
			}
			if _, err := store.Get(ctx, otherRes); err == nil {
				t.Error("Replace kept the old sign-in's access token of another resource")
			}
			assertNoSecrets(t, s.dir, issued(), err)
		})
	}
}

// TestProperty40_ReduceAndGrantPinned: adding permissions and reducing
// them hold the new sign-in to the pinned person too, and never offer to
// replace it.
func TestProperty40_ReduceAndGrantPinned(t *testing.T) {
	ctx := context.Background()
	g := providertest.NewGoogle(t, providertest.GoogleOptions{})
	store := newMemStore()
	s, _ := newReviewService(t, store, googleConfig(g))
	connectGoogle(t, s, catalog.CapabilityReadMail, catalog.CapabilityReadCalendar)
	before := snapshot(t, s, store)
	g.SwitchUser("Mallory")
	_, err := s.Connect(ctx, ConnectRequest{Account: bobID, Allow: []catalog.Capability{catalog.CapabilityReadContacts}, Replace: true, Timeout: 30 * time.Second})
	var mismatch *IdentityMismatchError
	if !errors.As(err, &mismatch) || mismatch.CanReplace {
		t.Fatalf("grant as another person = %v", err)
	}
	if after := snapshot(t, s, store); !maps.Equal(before, after) {
		t.Error("a refused grant changed the keychain or the index")
	}
	_, err = s.Reduce(ctx, ConnectRequest{Account: bobID, Allow: []catalog.Capability{catalog.CapabilityReadMail}, Timeout: 30 * time.Second})
	if !errors.As(err, &mismatch) || mismatch.CanReplace {
		t.Fatalf("reduce, signing in again as another person = %v", err)
	}
	if l, _ := s.List(ctx); len(l) != 0 {
		t.Errorf("reduce connected another person: %+v", l)
	}
}

// TestProperty41_NoFormatCharacters: account names with bidi overrides or
// zero-width characters are refused, at connect too; display names show them escaped.
func TestProperty41_NoFormatCharacters(t *testing.T) {
	for _, name := range []string{"alice\u202e@contoso.test", "ali\u200bce@contoso.test", "alice@contoso.test\u2066", "\ufeffalice@contoso.test", "a\u00ad@x.test"} {
		if err := checkAccountName(name); !errors.Is(err, ErrUsage) || strings.ContainsFunc(err.Error(), func(r rune) bool { return r > 0x7e }) {
			t.Errorf("checkAccountName(%q) = %v", name, err)
		}
	}
	// A display name keeps the provider's exact claim; everything that
	// shows it escapes such characters (TestProperty38_NoControlCharactersPrinted).
	if got := safetext.Line("Alice \u202eTester\u200b\x1b[31m"); got != `Alice \u202eTester\u200b\x1b[31m` {
		t.Errorf("a display name is shown as %q", got)
	}
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: "alice\u202etset.oc@contoso.test"})
	store := newMemStore()
	s := newTestService(t, store, microsoftConfig(m))
	_, err := s.Connect(context.Background(), ConnectRequest{Provider: "microsoft", Timeout: 30 * time.Second})
	if !errors.Is(err, ErrProvider) || strings.ContainsRune(err.Error(), '\u202e') || !strings.Contains(err.Error(), `\u202e`) {
		t.Errorf("Connect of a name with U+202E = %v", err)
	}
	if k := store.keys(); len(k) != 0 {
		t.Errorf("a refused name left keychain items %q", k)
	}
}

// TestAccountName: an unverified email never names an account; Microsoft's
// email is vouched for only as the sign-in name or with xms_edov.
func TestAccountName(t *testing.T) {
	yes, no := true, false
	for _, tt := range []struct {
		name             string
		family           catalog.Family
		claims           oauthflow.Claims
		want, unverified string
	}{
		{"verified", catalog.FamilyOIDC, oauthflow.Claims{Email: "a@x.test", EmailVerified: &yes, Subject: "s"}, "a@x.test", ""},
		{"no email_verified", catalog.FamilyOIDC, oauthflow.Claims{Email: "a@x.test", Subject: "s"}, "a@x.test", ""},
		{"unverified, user name", catalog.FamilyOIDC, oauthflow.Claims{Email: "a@x.test", EmailVerified: &no, PreferredUsername: "alice", Subject: "s"}, "alice", "a@x.test"},
		{"unverified, subject", catalog.FamilyOIDC, oauthflow.Claims{Email: "a@x.test", EmailVerified: &no, Subject: "s"}, "s", "a@x.test"},
		{"google unverified", catalog.FamilyGoogle, oauthflow.Claims{Email: "a@x.test", EmailVerified: &no, Subject: "123"}, "123", "a@x.test"},
		{"no email", catalog.FamilyOIDC, oauthflow.Claims{PreferredUsername: "alice", Subject: "s"}, "alice", ""},
		{"microsoft sign-in name", catalog.FamilyMicrosoft, oauthflow.Claims{Email: "A@x.test", PreferredUsername: "a@x.test"}, "A@x.test", ""},
		{"microsoft other email", catalog.FamilyMicrosoft, oauthflow.Claims{Email: "b@y.test", PreferredUsername: "a@x.test"}, "b@y.test", "b@y.test"},
		{"microsoft xms_edov", catalog.FamilyMicrosoft, oauthflow.Claims{Email: "b@y.test", PreferredUsername: "a@x.test", EmailDomainOwnerVerified: true}, "b@y.test", ""},
	} {
		name, unverified := accountName(tt.family, &tt.claims)
		if name != tt.want || unverified != tt.unverified {
			t.Errorf("%s: accountName = %q, %q; want %q, %q", tt.name, name, unverified, tt.want, tt.unverified)
		}
	}
}

// TestProperty40_PinOfTheAccountSavedTo: the account a sign-in would be
// saved as is held to its pin too, whichever way the sign-in came: adding
// permissions to one account must not land on another whose address the
// provider now hands out, and an index entry that was lost leaves the pin
// in the keychain item. Replace is bound to the person the app showed.
func TestProperty40_PinOfTheAccountSavedTo(t *testing.T) {
	ctx := context.Background()
	g := providertest.NewGoogle(t, providertest.GoogleOptions{})
	store := newMemStore()
	s, _ := newReviewService(t, store, googleConfig(g))
	connectGoogle(t, s, catalog.CapabilityReadMail)
	bob := readItem(t, store, refreshKey(bobID))

	// Mallory connects her own account, then the provider gives her Bob's
	// address while she adds permissions to hers.
	g.SwitchUser("Mallory")
	g.SetEmail("mallory@gmail.test")
	mallory, err := s.Connect(ctx, ConnectRequest{Provider: "google", Allow: []catalog.Capability{catalog.CapabilityReadMail}, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	g.SetEmail("bob@gmail.test")
	before := snapshot(t, s, store)
	_, err = s.Connect(ctx, ConnectRequest{Account: mallory.ID, Allow: []catalog.Capability{catalog.CapabilityReadContacts}, Timeout: 30 * time.Second})
	if !errors.Is(err, ErrSignIn) || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("adding permissions to %s with a sign-in that says %s = %v", mallory.ID, bobID, err)
	}
	if after := snapshot(t, s, store); !maps.Equal(before, after) {
		t.Error("a refused grant changed the keychain or the index")
	}

	// Bob's index entry is lost; his keychain item still says who he is.
	if err := s.updateIndex(ctx, func(ix *index) error { ix.remove(bobID); return nil }); err != nil {
		t.Fatal(err)
	}
	_, err = s.Connect(ctx, ConnectRequest{Provider: "google", Timeout: 30 * time.Second})
	var mismatch *IdentityMismatchError
	if !errors.As(err, &mismatch) || mismatch.Connected != bob.Identity || !mismatch.CanReplace {
		t.Fatalf("connecting %s as Mallory with its index entry lost = %v", bobID, err)
	}
	if it := readItem(t, store, refreshKey(bobID)); it.RefreshToken != bob.RefreshToken {
		t.Error("the refused sign-in replaced Bob's saved sign-in")
	}

	// The app asked about Mallory; someone else signs in this time.
	g.SwitchUser("Eve")
	_, err = s.Connect(ctx, ConnectRequest{Provider: "google", Replace: true, ReplaceWith: mismatch.SignedIn, Timeout: 30 * time.Second})
	var again *IdentityMismatchError
	if !errors.As(err, &again) || again.SignedIn == mismatch.SignedIn {
		t.Fatalf("Replace for Mallory, signed in as Eve = %v", err)
	}
	if _, err := s.Connect(ctx, ConnectRequest{Provider: "google", Replace: true, ReplaceWith: again.SignedIn, Timeout: 30 * time.Second}); err != nil {
		t.Fatalf("Replace for the person shown = %v", err)
	}
	if it := readItem(t, store, refreshKey(bobID)); it.Identity != again.SignedIn {
		t.Errorf("after Replace the account is pinned to %v, want %v", it.Identity, again.SignedIn)
	}
}

// TestIdentitySamePerson: Microsoft's sub differs from one app
// registration to another; the user (tenant and oid) does not. A reconnect
// through another client id is the same person, another oid is not.
func TestIdentitySamePerson(t *testing.T) {
	const iss = "https://login.test/t1/v2.0"
	a := Identity{Issuer: iss, TenantID: "t1", Subject: "s1", ObjectID: "o1"}
	for _, tt := range []struct {
		name string
		b    Identity
		same bool
	}{
		{"identical", a, true},
		{"another app: other sub, same oid", Identity{Issuer: iss, TenantID: "t1", Subject: "s2", ObjectID: "o1"}, true},
		{"another user of the tenant", Identity{Issuer: iss, TenantID: "t1", Subject: "s1", ObjectID: "o2"}, false},
		{"another tenant", Identity{Issuer: "https://login.test/t2/v2.0", TenantID: "t2", Subject: "s1", ObjectID: "o1"}, false},
		{"no oid: sub decides", Identity{Issuer: iss, TenantID: "t1", Subject: "s2"}, false},
		{"no oid, same sub", Identity{Issuer: iss, TenantID: "t1", Subject: "s1"}, true},
	} {
		if got := a.same(tt.b); got != tt.same {
			t.Errorf("%s: same = %v, want %v", tt.name, got, tt.same)
		}
	}

	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	store := newMemStore()
	s := connectMicrosoftMail(t, m, store)
	m.OtherApp()
	if _, err := s.Connect(context.Background(), ConnectRequest{Provider: "microsoft", Scopes: mailScopes, Timeout: 30 * time.Second}); err != nil {
		t.Errorf("reconnect through another app registration, same user: %v", err)
	}
}
