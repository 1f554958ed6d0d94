package accounts

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/providertest"
	"github.com/latchkey/latchkey/accounts/secretstore"
)

const msID = "microsoft:alice@contoso.test"

// connectMicrosoft connects the emulator's user and returns the service.
func connectMicrosoft(t *testing.T, m *providertest.Microsoft, store *memStore) *Service {
	t.Helper()
	s := newTestService(t, store, microsoftConfig(m))
	ctx := context.Background()
	a, err := s.Connect(ctx, ConnectRequest{Provider: "microsoft", Timeout: 30 * time.Second})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if a.ID != msID || a.Status != StatusConnected || len(a.NotGranted) != 0 {
		t.Fatalf("Connect = %+v", a)
	}
	return s
}

// expireAccess rewrites the cached access token of key as expired.
func expireAccess(t *testing.T, store *memStore, key string) {
	t.Helper()
	data, err := store.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	var at AccessToken
	if err := json.Unmarshal(data, &at); err != nil {
		t.Fatal(err)
	}
	at.Expiry = time.Now().Add(-time.Minute)
	b, _ := json.Marshal(at)
	store.put(key, b)
}

func TestMicrosoftConnectTokenRefresh(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	store := newMemStore()
	s := connectMicrosoft(t, m, store)
	ctx := context.Background()
	accessKeyGraph := accessKey(msID, graph)
	if got := store.keys(); !slices.Equal(got, []string{accessKeyGraph, refreshKey(msID)}) {
		t.Fatalf("keychain after Connect = %q", got)
	}
	if got := store.setCalls(); !slices.Equal(got, []string{refreshKey(msID), accessKeyGraph}) {
		t.Errorf("Connect wrote %q, want the refresh token first", got)
	}

	// A fresh cached token: no refresh.
	before := m.Refreshes()
	tok, err := s.Token(ctx, "alice@contoso.test", nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Refreshes() != before || tok.Account != msID || tok.Resource != graph || !slices.Contains(m.IssuedTokens(), tok.Token) {
		t.Errorf("Token = %+v after %d refreshes; want the cached token", tok, m.Refreshes()-before)
	}

	// An expired one: one refresh, the rotated refresh token saved first.
	expireAccess(t, store, accessKeyGraph)
	store.setCalls()
	oldRefresh, _ := store.Get(ctx, refreshKey(msID))
	tok2, err := s.Token(ctx, msID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Refreshes() != before+1 || tok2.Token == tok.Token || !tok2.usableAt(time.Now()) {
		t.Errorf("after expiry: %d refreshes, new token %v", m.Refreshes()-before, tok2.Token != tok.Token)
	}
	if got := store.setCalls(); !slices.Equal(got, []string{refreshKey(msID), accessKeyGraph}) {
		t.Errorf("refresh wrote %q, want the rotated refresh token before the access token", got)
	}
	if newRefresh, _ := store.Get(ctx, refreshKey(msID)); string(newRefresh) == string(oldRefresh) {
		t.Error("the rotated refresh token was not saved")
	}
	a, err := s.Show(ctx, msID)
	if err != nil || a.LastRefresh.IsZero() || !a.AccessExpiry.Equal(tok2.Expiry) {
		t.Errorf("Show = %+v, %v; want LastRefresh and the new expiry", a, err)
	}

	// Twenty callers on an expired token: exactly one refresh.
	expireAccess(t, store, accessKeyGraph)
	before = m.Refreshes()
	var wg sync.WaitGroup
	errs := make([]error, 20)
	toks := make([]*AccessToken, 20)
	for i := range 20 {
		wg.Go(func() { toks[i], errs[i] = s.Token(ctx, msID, nil) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("caller %d: %v", i, err)
		}
		if toks[i].Token != toks[0].Token {
			t.Errorf("caller %d got another token", i)
		}
	}
	if n := m.Refreshes() - before; n != 1 {
		t.Errorf("20 concurrent callers caused %d refreshes, want 1", n)
	}
	assertNoSecrets(t, s.dir, m.IssuedTokens())
}

// TestTokenTwoServicesOneRefresh plays two processes (two Services over the
// same dir and keychain): the file lock lets only one of them refresh.
func TestTokenTwoServicesOneRefresh(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	store := newMemStore()
	s1 := connectMicrosoft(t, m, store)
	s2, _ := Open(Options{ConfigDir: s1.dir, Keychain: store})
	expireAccess(t, store, accessKey(msID, graph))
	before := m.Refreshes()
	var wg sync.WaitGroup
	for _, s := range []*Service{s1, s2, s1, s2} {
		wg.Go(func() {
			if _, err := s.Token(context.Background(), msID, nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := m.Refreshes() - before; n != 1 {
		t.Errorf("two services refreshed %d times, want 1", n)
	}
}

// TestProperty22_InvalidGrantNeedsReconnect: invalid_grant stops at once,
// marks the account with a plain reason, keeps every token, and asks the
// provider nothing more until a reconnect.
func TestProperty22_InvalidGrantNeedsReconnect(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	store := newMemStore()
	s := connectMicrosoft(t, m, store)
	ctx := context.Background()
	expireAccess(t, store, accessKey(msID, graph))
	m.FailNext(providertest.InvalidGrant(50173))
	_, err := s.Token(ctx, msID, nil)
	var re *ReconnectError
	if !errors.As(err, &re) || !errors.Is(err, ErrNeedsReconnect) {
		t.Fatalf("Token = %v, want *ReconnectError", err)
	}
	if re.Reason != microsoftReasons[50173] || re.Code != "invalid_grant" || re.Account != msID {
		t.Errorf("ReconnectError = %+v", re)
	}
	if strings.Contains(re.Reason, "AADSTS") || strings.Contains(err.Error(), "Trace ID") {
		t.Errorf("reason is not plain language: %q", err)
	}
	list, err := s.List(ctx)
	if err != nil || len(list) != 1 || list[0].Status != StatusNeedsReconnect || list[0].StatusReason != re.Reason {
		t.Errorf("List = %+v, %v; want needs-reconnect with the reason", list, err)
	}
	if _, err := store.Get(ctx, refreshKey(msID)); err != nil {
		t.Errorf("the refresh token was deleted: %v", err)
	}
	// Later calls answer from the index, without asking the provider.
	before := m.Refreshes()
	_, err2 := s.Token(ctx, "alice@contoso.test", nil)
	if !errors.Is(err2, ErrNeedsReconnect) || m.Refreshes() != before {
		t.Errorf("Token after needs-reconnect = %v (%d requests)", err2, m.Refreshes()-before)
	}
	// Connecting again heals the account.
	if a, err := s.Connect(ctx, ConnectRequest{Provider: "microsoft", Timeout: 30 * time.Second}); err != nil || a.Status != StatusConnected {
		t.Errorf("reconnect = %+v, %v", a, err)
	}
	if list, _ := s.List(ctx); len(list) != 1 || list[0].Status != StatusConnected {
		t.Errorf("List after reconnect = %+v", list)
	}
	assertNoSecrets(t, s.dir, m.IssuedTokens(), err, err2)
}

// msAccountDue connects the Microsoft emulator's user with an expired
// access token, so the next Token refreshes; it returns the saved refresh
// item as it was then.
func msAccountDue(t *testing.T) (*providertest.Microsoft, *memStore, *Service, []byte) {
	t.Helper()
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	store := newMemStore()
	s := connectMicrosoft(t, m, store)
	expireAccess(t, store, accessKey(msID, graph))
	refreshBefore, _ := store.Get(context.Background(), refreshKey(msID))
	return m, store, s, refreshBefore
}

func TestMicrosoftProviderDown(t *testing.T) {
	m, store, s, refreshBefore := msAccountDue(t)
	ctx := context.Background()
	before := m.Refreshes()
	for range 3 {
		m.FailNext(providertest.Status(500))
	}
	_, err := s.Token(ctx, msID, nil)
	if !errors.Is(err, ErrProviderUnreachable) || errors.Is(err, ErrNeedsReconnect) {
		t.Fatalf("Token = %v, want ErrProviderUnreachable", err)
	}
	if n := m.Refreshes() - before; n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
	if list, _ := s.List(ctx); list[0].Status != StatusConnected {
		t.Errorf("status = %q after an outage, want connected", list[0].Status)
	}
	if after, _ := store.Get(ctx, refreshKey(msID)); string(after) != string(refreshBefore) {
		t.Error("the refresh token changed after a failed refresh")
	}
	// The provider is back: the next call works.
	if _, err := s.Token(ctx, msID, nil); err != nil {
		t.Errorf("Token after the outage: %v", err)
	}
	assertNoSecrets(t, s.dir, m.IssuedTokens(), err)
}

// TestMalformedTokenResponseIsProviderError: a 200 from the token endpoint
// that is no usable token response is the provider's fault (ErrProvider,
// exit 12), not the network's, on refresh and on connect; the account,
// its refresh token and its status stay as they were, and the next call
// works.
func TestMalformedTokenResponseIsProviderError(t *testing.T) {
	html := repeat3(providertest.HTML200()) // retried as transient, then reported
	tests := []struct {
		name   string
		faults []providertest.Fault
	}{
		{"HTML page", html},
		{"bad JSON", []providertest.Fault{providertest.Malformed200(`{"access_token":"a",`)}},
		{"token_type DPoP", []providertest.Fault{providertest.Malformed200(`{"access_token":"a","token_type":"DPoP","expires_in":3599}`)}},
		{"token_type missing", []providertest.Fault{providertest.Malformed200(`{"access_token":"a","expires_in":3599}`)}},
		{"expires_in negative", []providertest.Fault{providertest.Malformed200(`{"access_token":"a","token_type":"Bearer","expires_in":-5}`)}},
		{"expires_in huge", []providertest.Fault{providertest.Malformed200(`{"access_token":"a","token_type":"Bearer","expires_in":1e300}`)}},
		{"expires_in not a number", []providertest.Fault{providertest.Malformed200(`{"access_token":"a","token_type":"Bearer","expires_in":"soon"}`)}},
		{"no access_token", []providertest.Fault{providertest.Malformed200(`{"token_type":"Bearer","expires_in":3599}`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, store, s, refreshBefore := msAccountDue(t)
			ctx := context.Background()
			for _, f := range tt.faults {
				m.FailNext(f)
			}
			_, err := s.Token(ctx, msID, nil)
			if !errors.Is(err, ErrProvider) || errors.Is(err, ErrProviderUnreachable) || errors.Is(err, ErrNeedsReconnect) {
				t.Fatalf("Token = %v, want ErrProvider only", err)
			}
			if list, _ := s.List(ctx); len(list) != 1 || list[0].Status != StatusConnected {
				t.Errorf("List after the bad answer = %+v, want the account connected", list)
			}
			if after, _ := store.Get(ctx, refreshKey(msID)); string(after) != string(refreshBefore) {
				t.Error("the refresh token changed after a bad answer")
			}
			if _, err := s.Token(ctx, msID, nil); err != nil {
				t.Errorf("Token after the bad answer: %v", err)
			}

			// The same answer to the code redemption of a reconnect. The
			// refresh above rotated the refresh token.
			refreshBefore, _ = store.Get(ctx, refreshKey(msID))
			for _, f := range tt.faults[:1] { // a code is redeemed once, never retried
				m.FailNext(f)
			}
			_, cerr := s.Connect(ctx, ConnectRequest{Provider: "microsoft", Timeout: 30 * time.Second})
			if !errors.Is(cerr, ErrProvider) || errors.Is(cerr, ErrProviderUnreachable) {
				t.Errorf("Connect = %v, want ErrProvider", cerr)
			}
			if after, _ := store.Get(ctx, refreshKey(msID)); string(after) != string(refreshBefore) {
				t.Error("a failed reconnect changed the saved refresh token")
			}
			assertNoSecrets(t, s.dir, m.IssuedTokens(), err, cerr)
		})
	}
}

func repeat3(f providertest.Fault) []providertest.Fault { return []providertest.Fault{f, f, f} }

func TestRemove(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	store := newMemStore()
	s := connectMicrosoft(t, m, store)
	ctx := context.Background()
	// A second resource's token, so Remove has more than one to delete.
	store.put(accessKey(msID, "https://outlook.office.com"), []byte(`{}`))
	s.updateIndex(ctx, func(ix *index) error {
		ix.byID(msID).Tokens["https://outlook.office.com"] = tokenInfo{}
		return nil
	})
	store.put("google:other@x.test/refresh", []byte(`{}`))

	a, err := s.Remove(ctx, "alice@contoso.test")
	if err != nil || a.ID != msID {
		t.Fatalf("Remove = %+v, %v", a, err)
	}
	for _, k := range store.keys() {
		if strings.HasPrefix(k, msID+"/") {
			t.Errorf("Remove left keychain item %s", k)
		}
	}
	if !slices.Contains(store.keys(), "google:other@x.test/refresh") {
		t.Error("Remove deleted another account's item")
	}
	if list, err := s.List(ctx); err != nil || len(list) != 0 {
		t.Errorf("List after Remove = %+v, %v", list, err)
	}
	if _, err := s.Token(ctx, msID, nil); !errors.Is(err, ErrUnknownAccount) {
		t.Errorf("Token after Remove = %v, want ErrUnknownAccount", err)
	}
	if _, err := s.Remove(ctx, msID); !errors.Is(err, ErrUnknownAccount) {
		t.Errorf("second Remove = %v, want ErrUnknownAccount", err)
	}
}

// TestProperty12_NoPlaintextFallback: without a keychain, Connect fails
// with ErrKeychain and writes no file; Token and Remove fail the same way
// and change nothing.
func TestProperty12_NoPlaintextFallback(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	store := newMemStore()
	store.err = fmt.Errorf("%w: no Secret Service", secretstore.ErrUnavailable)
	s := newTestService(t, store, microsoftConfig(m))
	ctx := context.Background()
	_, err := s.Connect(ctx, ConnectRequest{Provider: "microsoft", Timeout: 30 * time.Second})
	if !errors.Is(err, ErrKeychain) {
		t.Fatalf("Connect = %v, want ErrKeychain", err)
	}
	ents, _ := os.ReadDir(s.dir)
	if len(ents) != 1 || ents[0].Name() != ConfigFileName {
		t.Errorf("config dir after a failed Connect holds %v, want only %s", ents, ConfigFileName)
	}

	// An account connected earlier: Token reports the keychain, not the account.
	store.err = nil
	if _, err := s.Connect(ctx, ConnectRequest{Provider: "microsoft", Timeout: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	store.err = fmt.Errorf("%w: locked", secretstore.ErrUnavailable)
	_, err2 := s.Token(ctx, msID, nil)
	if !errors.Is(err2, ErrKeychain) || errors.Is(err2, ErrNeedsReconnect) {
		t.Errorf("Token = %v, want ErrKeychain", err2)
	}
	_, err3 := s.Remove(ctx, msID)
	if !errors.Is(err3, ErrKeychain) {
		t.Errorf("Remove = %v, want ErrKeychain", err3)
	}
	if list, _ := s.List(ctx); len(list) != 1 || list[0].Status != StatusConnected {
		t.Errorf("List = %+v: a keychain failure must not change the account", list)
	}
	assertNoSecrets(t, s.dir, m.IssuedTokens(), err, err2, err3)
}

// TestMissingRefreshItem: the index names an account whose sign-in is gone
// from the keychain (deleted by hand): it needs a reconnect.
func TestMissingRefreshItem(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	store := newMemStore()
	s := connectMicrosoft(t, m, store)
	store.Delete(context.Background(), refreshKey(msID))
	expireAccess(t, store, accessKey(msID, graph))
	if _, err := s.Token(context.Background(), msID, nil); !errors.Is(err, ErrNeedsReconnect) {
		t.Errorf("Token = %v, want ErrNeedsReconnect", err)
	}
}

// TestProperty11_GrantedScopesFromResponse: the person unticks Gmail; the
// account records what the token response granted, not what was asked.
func TestProperty11_GrantedScopesFromResponse(t *testing.T) {
	g := providertest.NewGoogle(t, providertest.GoogleOptions{
		Grant: func(req []string) []string {
			return slices.DeleteFunc(req, func(s string) bool { return s == "https://mail.google.com/" })
		},
	})
	store := newMemStore()
	s := newTestService(t, store, googleConfig(g))
	ctx := context.Background()
	a, err := s.Connect(ctx, ConnectRequest{Provider: "google", Timeout: 30 * time.Second})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if a.ID != "google:bob@gmail.test" || !slices.Equal(a.NotGranted, []string{"https://mail.google.com/"}) {
		t.Errorf("Connect = %+v, want NotGranted = [https://mail.google.com/]", a)
	}
	if slices.Contains(a.Requested, "offline_access") {
		t.Errorf("Requested %q: Google takes access_type=offline, not offline_access", a.Requested)
	}
	var it refreshItem
	data, _ := store.Get(ctx, refreshKey(a.ID))
	if json.Unmarshal(data, &it); it.ClientSecret != g.ClientSecret || it.Version != KeychainVersion {
		t.Errorf("refresh item lacks the client secret or version")
	}
	expireAccess(t, store, accessKey(a.ID, defaultResource))
	tok, err := s.Token(ctx, "bob@gmail.test", nil)
	if err != nil || tok.Resource != defaultResource || g.Refreshes() != 1 {
		t.Errorf("Token = %+v, %v (%d refreshes)", tok, err, g.Refreshes())
	}
	g.FailNext(providertest.TestingExpired())
	expireAccess(t, store, accessKey(a.ID, defaultResource))
	_, err = s.Token(ctx, "bob@gmail.test", nil)
	var re *ReconnectError
	if !errors.As(err, &re) || !strings.Contains(re.Reason, "Testing") {
		t.Errorf("Token after the 7-day expiry = %v, want a reason naming Testing", err)
	}
	assertNoSecrets(t, s.dir, g.IssuedTokens(), err)
}

// TestTokenOtherResourceKeepsAccount: asking for a scope of a resource the
// person never consented to fails that call only; the account, and its
// default token, keep working.
func TestTokenOtherResourceKeepsAccount(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	store := newMemStore()
	s := connectMicrosoft(t, m, store)
	ctx := context.Background()
	_, err := s.Token(ctx, msID, []string{"https://outlook.office.com/IMAP.AccessAsUser.All"})
	if err == nil {
		t.Fatal("Token for an unconsented resource succeeded")
	}
	if list, _ := s.List(ctx); list[0].Status != StatusConnected {
		t.Errorf("one unconsented scope marked the whole account %q (%s)", list[0].Status, list[0].StatusReason)
	}
	if _, err := s.Token(ctx, msID, nil); err != nil {
		t.Errorf("default token after the refused scope: %v", err)
	}
}

// TestTokenCoversRequestedScopes: Token's contract is that the token covers
// the scopes asked for; a narrower grant must not be handed out as if it did.
func TestTokenCoversRequestedScopes(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	store := newMemStore()
	s := connectMicrosoft(t, m, store)
	tok, err := s.Token(context.Background(), msID, []string{"Mail.Send"})
	if err == nil && !covers(tok.Scopes, []string{"Mail.Send"}, graph) {
		t.Errorf("Token([Mail.Send]) returned a token for %q without error", tok.Scopes)
	}
}

func TestTokenScopesOfTwoResources(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	s := connectMicrosoft(t, m, newMemStore())
	_, err := s.Token(context.Background(), msID, []string{"Mail.Read", "https://outlook.office.com/SMTP.Send"})
	if !errors.Is(err, ErrUsage) {
		t.Errorf("Token = %v, want ErrUsage", err)
	}
}

// TestConnectAuthResponseIssuer: Microsoft does not advertise RFC 9207's
// iss, yet one in the answer is compared: a foreign authority, or another
// tenant where the tenant is known in advance, is refused before the code
// is redeemed; with common, another tenant than the ID token's is refused
// once the ID token arrives. Nothing is saved either way.
func TestConnectAuthResponseIssuer(t *testing.T) {
	const otherTenant = "0b7e1c55-2d2a-4c8e-b0d6-5f4e9a3c1d22"
	tests := []struct {
		name      string
		tenant    string
		iss       func(m *providertest.Microsoft) string
		ok        bool
		exchanges int
	}{
		{"common, the right issuer", "common", (*providertest.Microsoft).Issuer, true, 1},
		{"organizations, the right issuer", "organizations", (*providertest.Microsoft).Issuer, true, 1},
		{"tenant id, the right issuer", "", (*providertest.Microsoft).Issuer, true, 1},
		{"common, another authority", "common", func(m *providertest.Microsoft) string { return "https://login.evil.test/" + m.TenantID + "/v2.0" }, false, 0},
		{"common, not a tenant", "common", func(m *providertest.Microsoft) string { return m.URL + "/common/v2.0" }, false, 0},
		{"tenant id, another tenant", "", func(m *providertest.Microsoft) string { return m.URL + "/" + otherTenant + "/v2.0" }, false, 0},
		{"common, another tenant than the ID token's", "common", func(m *providertest.Microsoft) string { return m.URL + "/" + otherTenant + "/v2.0" }, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
			m.SetAuthResponseIssuer(tt.iss(m))
			store := newMemStore()
			s := newTestService(t, store, microsoftConfig(m)+fmt.Sprintf("tenant = %q\n", cmp.Or(tt.tenant, m.TenantID)))
			a, err := s.Connect(context.Background(), ConnectRequest{Provider: "microsoft", Timeout: 30 * time.Second})
			if tt.ok {
				if err != nil || a.ID != msID {
					t.Fatalf("Connect = %+v, %v", a, err)
				}
			} else {
				if !errors.Is(err, ErrSignIn) {
					t.Fatalf("Connect = %v, want ErrSignIn", err)
				}
				if keys := store.keys(); len(keys) != 0 {
					t.Errorf("a refused sign-in saved %q", keys)
				}
			}
			if m.Exchanges() != tt.exchanges {
				t.Errorf("%d code redemptions, want %d", m.Exchanges(), tt.exchanges)
			}
		})
	}
}

func TestConnectErrors(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	store := newMemStore()
	s := newTestService(t, store, microsoftConfig(m))
	ctx := context.Background()

	m.FailAuthorize("access_denied", "The user has denied access to the scope requested by the client application.")
	_, err := s.Connect(ctx, ConnectRequest{Provider: "microsoft", Timeout: 30 * time.Second})
	if !errors.Is(err, ErrSignIn) {
		t.Errorf("denied sign-in = %v, want ErrSignIn", err)
	}
	m.CorruptNextIDToken(func(c map[string]any) { c["aud"] = "someone-else" })
	_, err2 := s.Connect(ctx, ConnectRequest{Provider: "microsoft", Timeout: 30 * time.Second})
	if !errors.Is(err2, ErrSignIn) || !strings.Contains(err2.Error(), "nothing was saved") {
		t.Errorf("bad ID token = %v, want ErrSignIn", err2)
	}
	_, err3 := s.Connect(ctx, ConnectRequest{Provider: "microsoft", Settings: Settings{Tenant: "consumers"}, Timeout: 30 * time.Second})
	if !errors.Is(err3, ErrSignIn) {
		t.Errorf("work account on the consumers tenant = %v, want ErrSignIn", err3)
	}
	if len(store.keys()) != 0 {
		t.Errorf("failed sign-ins wrote %q", store.keys())
	}
	if _, err := os.Stat(s.dir + "/" + IndexFileName); !os.IsNotExist(err) {
		t.Error("failed sign-ins wrote the index")
	}
	_, err4 := s.Connect(ctx, ConnectRequest{Provider: "nope"})
	if !errors.Is(err4, ErrUsage) {
		t.Errorf("unknown provider = %v, want ErrUsage", err4)
	}
	assertNoSecrets(t, s.dir, m.IssuedTokens(), err, err2, err3, err4)
}

func TestCheckTenant(t *testing.T) {
	const work = "3f5e3d0a-4b1c-4f7e-9a51-2c8d6b0e7a11"
	tests := []struct {
		tenant, tid string
		ok          bool
	}{
		{"common", work, true},
		{"common", catalog.MicrosoftConsumerTenant, true},
		{"consumers", catalog.MicrosoftConsumerTenant, true},
		{"consumers", work, false},
		{"organizations", work, true},
		{"organizations", catalog.MicrosoftConsumerTenant, false},
		{work, work, true},
		{strings.ToUpper(work), work, true},
		{work, catalog.MicrosoftConsumerTenant, false},
		{"contoso.onmicrosoft.com", work, true},
	}
	for _, tt := range tests {
		err := checkTenant(&ProviderSetup{Family: catalog.FamilyMicrosoft, Tenant: tt.tenant}, tt.tid)
		if (err == nil) != tt.ok {
			t.Errorf("checkTenant(%s, %s) = %v, want ok=%v", tt.tenant, tt.tid, err, tt.ok)
		}
	}
}

// TestTokenDueInIndex: when the index's note says the cached token is
// due, Token reads the keychain once, under the lock (not once before it
// and again under it), and still hands out a token that another process
// renewed without managing to note it.
func TestTokenDueInIndex(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	store := newMemStore()
	s := connectMicrosoft(t, m, store)
	ctx := context.Background()

	// As after the token's hour: index and keychain both say it is due.
	expireAccess(t, store, accessKey(msID, graph))
	noteDue(t, s)
	store.mu.Lock()
	store.gets = nil
	store.mu.Unlock()
	before := m.Refreshes()
	if _, err := s.Token(ctx, msID, nil); err != nil {
		t.Fatal(err)
	}
	if n := m.Refreshes() - before; n != 1 {
		t.Fatalf("%d refreshes, want 1", n)
	}
	store.mu.Lock()
	gets := slices.Clone(store.gets)
	store.mu.Unlock()
	if want := []string{accessKey(msID, graph), refreshKey(msID)}; !slices.Equal(gets, want) {
		t.Errorf("keychain reads %q, want %q (under the lock only)", gets, want)
	}

	// The note is stale: the keychain has a token the index thinks is due.
	noteDue(t, s)
	data, _ := store.Get(ctx, accessKey(msID, graph))
	var fresh AccessToken
	if err := json.Unmarshal(data, &fresh); err != nil {
		t.Fatal(err)
	}
	fresh.Expiry = time.Now().Add(time.Hour)
	b, _ := json.Marshal(fresh)
	store.put(accessKey(msID, graph), b)
	before = m.Refreshes()
	tok, err := s.Token(ctx, msID, nil)
	if err != nil || tok.Token != fresh.Token {
		t.Fatalf("Token = %v, %v; want the keychain's fresh token", tok != nil, err)
	}
	if n := m.Refreshes() - before; n != 0 {
		t.Errorf("%d refreshes of a token the keychain holds fresh, want 0", n)
	}
}

// noteDue makes the index note say the Graph token expired an hour ago.
func noteDue(t *testing.T, s *Service) {
	t.Helper()
	err := s.updateIndex(context.Background(), func(ix *index) error {
		r := ix.byID(msID)
		r.Tokens[graph] = tokenInfo{Expiry: time.Now().Add(-time.Hour), Scopes: r.Tokens[graph].Scopes}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// settleStore is a memStore whose Wait (see settlingStore) runs waited.
type settleStore struct {
	*memStore
	waited func()
}

func (w settleStore) Wait(ctx context.Context) error {
	w.waited()
	return nil
}

// TestRefreshSettlesKeychainBeforeUnlock: a refresh waits for the keychain
// to carry out its writes before it releases the account lock, so a write
// that timed out cannot land after another process's newer one.
func TestRefreshSettlesKeychainBeforeUnlock(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	store := newMemStore()
	s := connectMicrosoft(t, m, store)
	expireAccess(t, store, accessKey(msID, graph))
	waits, heldDuringWait := 0, true
	s.keys = settleStore{store, func() {
		waits++
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if l, err := lockFile(ctx, lockName("account", msID)); err == nil {
			heldDuringWait = false
			l.unlock()
		}
	}}
	if _, err := s.Token(context.Background(), msID, nil); err != nil {
		t.Fatal(err)
	}
	if waits != 1 || !heldDuringWait {
		t.Fatalf("Wait called %d times, lock held during it: %v; want once, under the lock", waits, heldDuringWait)
	}
	l, err := lockFile(context.Background(), lockName("account", msID))
	if err != nil {
		t.Fatalf("lock after Token: %v", err)
	}
	l.unlock()
}

// TestConnectClearsItemsTheIndexLost: an account whose index entry was lost
// (a hand-edited or restored accounts.json) while its keychain items stayed
// is connected again; an access token of another resource left by the
// earlier sign-in must not be handed out as the new sign-in's.
func TestConnectClearsItemsTheIndexLost(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	store := newMemStore()
	s := connectMicrosoft(t, m, store)
	ctx := context.Background()
	const outlook = "https://outlook.office.com"
	stale := []byte(`{"version":1,"account":"` + msID + `","access_token":"stale","token_type":"Bearer","expires_at":"2999-01-01T00:00:00Z","resource":"` + outlook + `"}`)
	store.put(accessKey(msID, outlook), stale)
	if err := s.updateIndex(ctx, func(ix *index) error { ix.remove(msID); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Connect(ctx, ConnectRequest{Provider: "microsoft", Scopes: []string{"Mail.Read", outlook + "/IMAP.AccessAsUser.All"}, Timeout: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if b, err := store.Get(ctx, accessKey(msID, outlook)); err == nil && string(b) == string(stale) {
		t.Error("the earlier sign-in's Outlook token is still in the keychain after connecting again")
	}
	tok, err := s.Token(ctx, msID, []string{outlook + "/IMAP.AccessAsUser.All"})
	if err != nil || tok.Token == "stale" {
		t.Errorf("Token = %v, %v; want a token of the new sign-in", tok, err)
	}
}
