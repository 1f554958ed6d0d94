package accounts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/providertest"
)

// The permissions pages, from the providers table.
var (
	googlePermissionsPage            = providerRow("google").PermissionsPage
	microsoftWorkPermissionsPage     = providerRow("microsoft").PermissionsPage
	microsoftPersonalPermissionsPage = providerRow("microsoft").PersonalPermissionsPage
)

func providerRow(name string) catalog.Provider {
	p, ok := catalog.Lookup(name)
	if !ok {
		panic("no provider " + name)
	}
	return p
}

// recordingBrowser plays the browser for sign-in URLs (through
// providertest's stand-in) and records every URL it was asked to open:
// for a sign-in's one-time launch URL, the authorization URL it
// redirects to.
type recordingBrowser struct {
	mu     sync.Mutex
	opened []string
	signIn func(string) error
}

func (b *recordingBrowser) open(u string) error {
	pu, err := url.Parse(u)
	signIn := err == nil && strings.HasPrefix(pu.Path, "/start/")
	if signIn {
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Get(u)
		if err != nil {
			return err
		}
		resp.Body.Close()
		u = resp.Header.Get("Location")
	}
	b.mu.Lock()
	b.opened = append(b.opened, u)
	b.mu.Unlock()
	if signIn {
		return b.signIn(u)
	}
	return nil // a provider page: nobody needs to act on it here
}

func (b *recordingBrowser) urls() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.opened)
}

// newReviewService is newTestService with a recording browser.
func newReviewService(t *testing.T, store SecretStore, config string) (*Service, *recordingBrowser) {
	t.Helper()
	s := newTestService(t, store, config)
	b := &recordingBrowser{signIn: s.openBrowser}
	s.openBrowser = b.open
	return s, b
}

const bobID = "google:bob@gmail.test"

func connectGoogle(t *testing.T, s *Service, allow ...catalog.Capability) Account {
	t.Helper()
	a, err := s.Connect(context.Background(), ConnectRequest{Provider: "google", Allow: allow, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return a
}

// TestGooglePartialGrantLosesCapabilities: the person unticks one scope on
// Google's granular consent screen; the account records what was granted
// against what was asked, and the detail names the capability lost.
func TestGooglePartialGrantLosesCapabilities(t *testing.T) {
	g := providertest.NewGoogle(t, providertest.GoogleOptions{
		Grant: func(req []string) []string {
			return slices.DeleteFunc(req, func(s string) bool { return s == gAuth+"gmail.send" })
		},
	})
	store := newMemStore()
	s, _ := newReviewService(t, store, googleConfig(g))
	var plan catalog.ScopePlan
	a, err := s.Connect(context.Background(), ConnectRequest{Provider: "google", Timeout: 30 * time.Second,
		Allow: []catalog.Capability{catalog.CapabilityReadMail, catalog.CapabilitySendMail}, OnPlan: func(p catalog.ScopePlan) { plan = p }})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(plan.Scopes(), " "); got != "openid email "+gAuth+"gmail.readonly "+gAuth+"gmail.send" {
		t.Errorf("plan = %s", got)
	}
	if !slices.Equal(a.NotGranted, []string{gAuth + "gmail.send"}) || !slices.Equal(a.Capabilities, []catalog.Capability{catalog.CapabilityReadMail, catalog.CapabilitySendMail}) {
		t.Errorf("account = %+v", a)
	}
	d, err := s.Detail(context.Background(), "bob@gmail.test")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Lost, []catalog.Capability{catalog.CapabilitySendMail}) {
		t.Errorf("Lost = %v, want [send-mail]", d.Lost)
	}
	if len(d.Missing) != 1 || d.Missing[0].Scope != gAuth+"gmail.send" || !d.Missing[0].Known || d.Missing[0].Purpose == "" {
		t.Errorf("Missing = %+v", d.Missing)
	}
	var groups []string
	for _, gr := range d.Granted {
		groups = append(groups, string(gr.Capability))
	}
	if strings.Join(groups, " ") != "read-mail sign-in" {
		t.Errorf("groups = %v", groups)
	}
	if d.PermissionsPage != googlePermissionsPage {
		t.Errorf("PermissionsPage = %q", d.PermissionsPage)
	}
}

// TestAddPermissionsGoogle: incremental consent keeps what the account had
// and adds what was asked, for the same person.
func TestAddPermissionsGoogle(t *testing.T) {
	g := providertest.NewGoogle(t, providertest.GoogleOptions{})
	store := newMemStore()
	s, b := newReviewService(t, store, googleConfig(g))
	first := connectGoogle(t, s, catalog.CapabilityReadMail)
	var plan catalog.ScopePlan
	a, err := s.Connect(context.Background(), ConnectRequest{Account: "bob@gmail.test", Allow: []catalog.Capability{catalog.CapabilityReadCalendar},
		Timeout: 30 * time.Second, OnPlan: func(p catalog.ScopePlan) { plan = p }})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(plan.Scopes(), " "); got != "openid email "+gAuth+"calendar.readonly" {
		t.Errorf("asked for %s, want only what is new", got)
	}
	u, _ := url.Parse(b.urls()[len(b.urls())-1])
	if q := u.Query(); q.Get("include_granted_scopes") != "true" || q.Get("login_hint") != "bob@gmail.test" {
		t.Errorf("authorize request %v lacks incremental consent or the login hint", q)
	}
	for _, want := range []string{gAuth + "gmail.readonly", gAuth + "calendar.readonly"} {
		if !slices.Contains(a.Scopes, want) || !slices.Contains(a.Requested, want) {
			t.Errorf("after adding: granted %v, requested %v; want both to hold %s", a.Scopes, a.Requested, want)
		}
	}
	if !slices.Equal(a.Capabilities, []catalog.Capability{catalog.CapabilityReadMail, catalog.CapabilityReadCalendar}) || !a.ConnectedAt.Equal(first.ConnectedAt) || len(a.NotGranted) != 0 {
		t.Errorf("after adding: %+v", a)
	}
	if l, _ := s.List(context.Background()); len(l) != 1 {
		t.Errorf("adding permissions made %d accounts", len(l))
	}
	// Nothing to add is a usage error, before any browser.
	if _, err := s.Connect(context.Background(), ConnectRequest{Account: "bob@gmail.test"}); !errors.Is(err, ErrUsage) {
		t.Errorf("add nothing: %v", err)
	}
	// Someone else signing in changes nothing.
	g.CorruptNextIDToken(func(c map[string]any) { c["sub"] = "999"; c["email"] = "eve@gmail.test" })
	_, err = s.Connect(context.Background(), ConnectRequest{Account: "bob@gmail.test", Allow: []catalog.Capability{catalog.CapabilityReadContacts}, Timeout: 30 * time.Second})
	if !errors.Is(err, ErrSignIn) || !strings.Contains(err.Error(), "eve@gmail.test") {
		t.Errorf("another person: %v", err)
	}
	if d, _ := s.Show(context.Background(), bobID); slices.Contains(d.Scopes, gAuth+"contacts.readonly") {
		t.Error("another person's sign-in changed the account")
	}
}

// TestAddPermissionsMicrosoft: a new consent for the added Graph scopes,
// asking again for those already granted on the same resource.
func TestAddPermissionsMicrosoft(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	store := newMemStore()
	s, _ := newReviewService(t, store, microsoftConfig(m))
	ctx := context.Background()
	if _, err := s.Connect(ctx, ConnectRequest{Provider: "microsoft", Allow: []catalog.Capability{catalog.CapabilityReadMail}, Timeout: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	var plan catalog.ScopePlan
	a, err := s.Connect(ctx, ConnectRequest{Account: msID, Allow: []catalog.Capability{catalog.CapabilitySendMail}, Timeout: 30 * time.Second,
		OnPlan: func(p catalog.ScopePlan) { plan = p }})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(plan.Scopes(), "Mail.Send") || !slices.ContainsFunc(plan.Scopes(), func(s string) bool { return strings.EqualFold(s, "Mail.Read") || strings.HasSuffix(s, "/Mail.Read") }) {
		t.Errorf("plan = %v", plan.Scopes())
	}
	if given := catalog.CapabilitiesGiven("microsoft", a.Scopes); !slices.Contains(given, catalog.CapabilityReadMail) || !slices.Contains(given, catalog.CapabilitySendMail) {
		t.Errorf("after adding, granted %v gives %v", a.Scopes, given)
	}
}

// TestRevokeGoogle: revoke at the provider (200), confirm the old refresh
// token is refused, wipe everything; a grant already removed at Google's
// page (400 invalid_token) is wiped too.
func TestRevokeGoogle(t *testing.T) {
	for _, already := range []bool{false, true} {
		g := providertest.NewGoogle(t, providertest.GoogleOptions{})
		store := newMemStore()
		s, b := newReviewService(t, store, googleConfig(g))
		connectGoogle(t, s, catalog.CapabilityReadMail)
		if already {
			g.RevokeAll()
		}
		res, err := s.Revoke(context.Background(), "bob@gmail.test", RevokeOptions{})
		if err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		if !res.RevokedAtProvider || res.AlreadyRevoked != already || !res.Confirmed || !res.WipedLocally || res.ToDo != "" || res.PageOpened {
			t.Errorf("already=%v: %+v", already, res)
		}
		if !strings.Contains(res.Done, "now refuses the old sign-in") {
			t.Errorf("Done = %q", res.Done)
		}
		if k := store.keys(); len(k) != 0 {
			t.Errorf("keychain still holds %v", k)
		}
		if l, _ := s.List(context.Background()); len(l) != 0 {
			t.Errorf("index still holds %v", l)
		}
		if len(b.urls()) != 1 {
			t.Errorf("opened %v; Google needs no page", b.urls())
		}
		if _, err := s.Revoke(context.Background(), bobID, RevokeOptions{}); !errors.Is(err, ErrUnknownAccount) {
			t.Errorf("second revoke: %v", err)
		}
		assertNoSecrets(t, s.dir, g.IssuedTokens(), err)
	}
}

// TestRevokeGoogleNetworkFailure: the network fails at the revoke call,
// before or after Google acted. Nothing is deleted, the account hands out
// no token, and revoking again finishes the job.
func TestRevokeGoogleNetworkFailure(t *testing.T) {
	for _, f := range []struct {
		name          string
		fault         providertest.Fault
		wantAlready   bool
		providerActed bool
	}{
		{"before", providertest.Reset(), false, false},
		{"after", providertest.Reset().Revoking(), true, true},
		{"5xx", providertest.Status(503), false, false},
	} {
		t.Run(f.name, func(t *testing.T) {
			g := providertest.NewGoogle(t, providertest.GoogleOptions{})
			store := newMemStore()
			s, _ := newReviewService(t, store, googleConfig(g))
			connectGoogle(t, s, catalog.CapabilityReadMail)
			g.FailNextRevoke(f.fault)
			_, err := s.Revoke(context.Background(), bobID, RevokeOptions{})
			if !errors.Is(err, ErrProviderUnreachable) {
				t.Fatalf("Revoke with a network failure: %v", err)
			}
			if len(store.keys()) == 0 {
				t.Error("a failed revoke deleted the tokens")
			}
			a, _ := s.Show(context.Background(), bobID)
			if a.Status != StatusRevoking {
				t.Errorf("status = %s, want revoking", a.Status)
			}
			if _, err := s.Token(context.Background(), bobID, nil); !errors.Is(err, ErrRevoking) {
				t.Errorf("Token while revoking: %v", err)
			}
			res, err := s.Revoke(context.Background(), bobID, RevokeOptions{})
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			if !res.RevokedAtProvider || res.AlreadyRevoked != f.wantAlready || !res.Confirmed || !res.WipedLocally {
				t.Errorf("retry: %+v", res)
			}
			if len(store.keys()) != 0 || g.Revokes() != 2 {
				t.Errorf("after retry: keys %v, %d revoke calls", store.keys(), g.Revokes())
			}
		})
	}
}

// deleteFailingStore fails Delete while failing is set: a crash (or a
// keychain that stopped answering) between the provider step and the wipe.
type deleteFailingStore struct {
	*memStore
	failing bool
}

func (d *deleteFailingStore) Delete(ctx context.Context, key string) error {
	if d.failing {
		return ErrKeychain
	}
	return d.memStore.Delete(ctx, key)
}

// TestRevokeInterruptedWipe: Google revoked, then wiping failed; the retry
// meets "invalid_token" and finishes.
func TestRevokeInterruptedWipe(t *testing.T) {
	g := providertest.NewGoogle(t, providertest.GoogleOptions{})
	store := &deleteFailingStore{memStore: newMemStore()}
	s, _ := newReviewService(t, store, googleConfig(g))
	connectGoogle(t, s, catalog.CapabilityReadMail)
	store.failing = true
	if _, err := s.Revoke(context.Background(), bobID, RevokeOptions{}); !errors.Is(err, ErrKeychain) {
		t.Fatalf("Revoke with a failing keychain: %v", err)
	}
	store.failing = false
	res, err := s.Revoke(context.Background(), bobID, RevokeOptions{})
	if err != nil || !res.AlreadyRevoked || !res.WipedLocally || len(store.keys()) != 0 {
		t.Errorf("retry: %+v, %v, keys %v", res, err, store.keys())
	}
}

// TestRevokeMicrosoft: no provider call; a local wipe, the right page for
// the kind of account, and an honest account of what is left to do.
func TestRevokeMicrosoft(t *testing.T) {
	for _, tc := range []struct {
		tenant, page, todo string
	}{
		{"", microsoftWorkPermissionsPage, "administrator"},
		{providertest.PersonalTenantID, microsoftPersonalPermissionsPage, "Microsoft account"},
	} {
		m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{TenantID: tc.tenant})
		store := newMemStore()
		s, b := newReviewService(t, store, microsoftConfig(m))
		if _, err := s.Connect(context.Background(), ConnectRequest{Provider: "microsoft", Timeout: 30 * time.Second}); err != nil {
			t.Fatal(err)
		}
		before := len(m.IssuedTokens())
		res, err := s.Revoke(context.Background(), msID, RevokeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.RevokedAtProvider || res.Confirmed || !res.WipedLocally || res.Page != tc.page || !res.PageOpened {
			t.Errorf("%+v", res)
		}
		if !strings.Contains(res.Done, "no way") || !strings.Contains(res.ToDo, tc.page) || !strings.Contains(res.ToDo, tc.todo) {
			t.Errorf("Done %q, ToDo %q", res.Done, res.ToDo)
		}
		if urls := b.urls(); urls[len(urls)-1] != tc.page {
			t.Errorf("opened %v, want %s", urls, tc.page)
		}
		if len(store.keys()) != 0 || len(m.IssuedTokens()) != before || m.Refreshes() != 0 {
			t.Errorf("keys %v; the provider was called", store.keys())
		}
		// No browser: the page is reported, not opened.
		if _, err := s.Connect(context.Background(), ConnectRequest{Provider: "microsoft", Timeout: 30 * time.Second}); err != nil {
			t.Fatal(err)
		}
		res, _ = s.Revoke(context.Background(), msID, RevokeOptions{NoBrowser: true})
		if res.PageOpened || res.Page != tc.page {
			t.Errorf("NoBrowser: %+v", res)
		}
	}
}

// TestRevokeDiscardsRefreshInFlight: a refresh waiting on the provider
// when a revoke starts writes nothing back, and the revoke wipes it all.
func TestRevokeDiscardsRefreshInFlight(t *testing.T) {
	g := providertest.NewGoogle(t, providertest.GoogleOptions{})
	store := newMemStore()
	s, _ := newReviewService(t, store, googleConfig(g))
	a := connectGoogle(t, s, catalog.CapabilityReadMail)
	expireAccess(t, store, accessKey(a.ID, defaultResource))
	store.setCalls()
	g.FailNext(providertest.Hang(3 * time.Second)) // ample time for the revoke to mark the index
	done := make(chan error, 1)
	go func() {
		_, err := s.Token(context.Background(), bobID, nil)
		done <- err
	}()
	for g.Refreshes() == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	res, err := s.Revoke(context.Background(), bobID, RevokeOptions{})
	if err != nil || !res.WipedLocally {
		t.Fatalf("Revoke: %+v, %v", res, err)
	}
	if err := <-done; !errors.Is(err, ErrRevoking) {
		t.Errorf("the refresh in flight returned %v, want ErrRevoking", err)
	}
	if sets := store.setCalls(); len(sets) != 0 {
		t.Errorf("the refresh in flight wrote %v", sets)
	}
	if k := store.keys(); len(k) != 0 {
		t.Errorf("keychain holds %v", k)
	}
}

// TestRemoveKeepsGrant: remove forgets locally and does not touch the provider.
func TestRemoveKeepsGrant(t *testing.T) {
	g := providertest.NewGoogle(t, providertest.GoogleOptions{})
	store := newMemStore()
	s, _ := newReviewService(t, store, googleConfig(g))
	connectGoogle(t, s, catalog.CapabilityReadMail)
	if _, err := s.Remove(context.Background(), bobID); err != nil {
		t.Fatal(err)
	}
	if g.Revokes() != 0 || len(store.keys()) != 0 {
		t.Errorf("remove: %d revoke calls, keys %v", g.Revokes(), store.keys())
	}
}

// TestReduce: Google revokes and connects again with fewer permissions;
// Microsoft sends the person to the app page and changes nothing.
func TestReduce(t *testing.T) {
	g := providertest.NewGoogle(t, providertest.GoogleOptions{})
	s, _ := newReviewService(t, newMemStore(), googleConfig(g))
	connectGoogle(t, s, catalog.CapabilityReadMail, catalog.CapabilitySendMail)
	out, err := s.Reduce(context.Background(), ConnectRequest{Account: "bob@gmail.test", Allow: []catalog.Capability{catalog.CapabilityReadMail}, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if out.Revoked == nil || !out.Revoked.RevokedAtProvider || out.Account == nil ||
		!slices.Equal(catalog.CapabilitiesGiven("google", out.Account.Scopes), []catalog.Capability{catalog.CapabilityReadMail}) {
		t.Errorf("Reduce = %+v (account %+v)", out, out.Account)
	}

	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	ms, b := newReviewService(t, newMemStore(), microsoftConfig(m))
	if _, err := ms.Connect(context.Background(), ConnectRequest{Provider: "microsoft", Allow: []catalog.Capability{catalog.CapabilityReadMail, catalog.CapabilitySendMail}, Timeout: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	out, err = ms.Reduce(context.Background(), ConnectRequest{Account: msID, Allow: []catalog.Capability{catalog.CapabilityReadMail}})
	if err != nil || out.Page != microsoftWorkPermissionsPage || !out.PageOpened || !strings.Contains(out.Explanation, "--allow read-mail") {
		t.Errorf("Microsoft Reduce = %+v, %v", out, err)
	}
	if urls := b.urls(); urls[len(urls)-1] != microsoftWorkPermissionsPage {
		t.Errorf("opened %v", urls)
	}
	if a, _ := ms.Show(context.Background(), msID); a.Status != StatusConnected {
		t.Errorf("Microsoft reduce changed the account: %+v", a)
	}
	if _, err := ms.Reduce(context.Background(), ConnectRequest{Account: msID, Allow: []catalog.Capability{catalog.CapabilityMailClient}}); !errors.Is(err, ErrCapabilityRefused) {
		t.Errorf("reduce to a refused capability: %v", err)
	}
}

// TestAdminConsent: AADSTS 90094 at sign-in and 65001 on refresh become an
// AdminConsentError with the link for the IT department.
func TestAdminConsent(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	store := newMemStore()
	s, _ := newReviewService(t, store, microsoftConfig(m))
	m.FailAuthorizeAADSTS(90094)
	_, err := s.Connect(context.Background(), ConnectRequest{Provider: "microsoft", Timeout: 30 * time.Second})
	var ace *AdminConsentError
	if !errors.As(err, &ace) || ace.Code != 90094 || !errors.Is(err, ErrSignIn) ||
		ace.URL != m.URL+"/organizations/adminconsent?client_id="+m.ClientID {
		t.Fatalf("Connect = %v (%+v)", err, ace)
	}
	if _, err := s.Connect(context.Background(), ConnectRequest{Provider: "microsoft", Timeout: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	link, err := s.AdminConsentLink(msID)
	if err != nil || link != m.URL+"/"+m.TenantID+"/adminconsent?client_id="+m.ClientID {
		t.Errorf("AdminConsentLink = %q, %v", link, err)
	}
	m.FailNext(providertest.InvalidGrant(65001))
	expireAccess(t, store, accessKey(msID, "https://graph.microsoft.com"))
	_, err = s.Token(context.Background(), msID, nil)
	if !errors.As(err, &ace) || ace.Code != 65001 || ace.URL != link || !errors.Is(err, ErrNeedsReconnect) {
		t.Errorf("Token = %v", err)
	}
	if d, _ := s.Detail(context.Background(), msID); d.AdminConsentURL != link {
		t.Errorf("Detail.AdminConsentURL = %q, want %q", d.AdminConsentURL, link)
	}
	if got := AdminConsentURL("https://login.microsoftonline.us", "contoso.com", "abc"); got != "https://login.microsoftonline.us/contoso.com/adminconsent?client_id=abc" {
		t.Errorf("AdminConsentURL = %s", got)
	}
}

// TestMicrosoftGrantStatePerResource: Microsoft lists one resource's scopes
// per token, so scopes of another resource are unconfirmed until their
// first token, never reported as refused; a scope the consent screen
// dropped is reported, with the capability it costs.
func TestMicrosoftGrantStatePerResource(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{
		Grant: func(req []string) []string {
			return slices.DeleteFunc(req, func(s string) bool { return s == "Contacts.Read" })
		},
	})
	store := newMemStore()
	s, _ := newReviewService(t, store, microsoftConfig(m))
	ctx := context.Background()
	const imap = "https://outlook.office.com/IMAP.AccessAsUser.All"
	a, err := s.Connect(ctx, ConnectRequest{Provider: "microsoft", Allow: []catalog.Capability{catalog.CapabilityReadMail, catalog.CapabilityReadContacts},
		Scopes: []string{imap}, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.NotGranted, []string{"Contacts.Read"}) || !slices.Equal(a.Unconfirmed, []string{imap}) {
		t.Errorf("after connect: not granted %v, unconfirmed %v", a.NotGranted, a.Unconfirmed)
	}
	d, _ := s.Detail(ctx, msID)
	if !slices.Equal(d.Lost, []catalog.Capability{catalog.CapabilityReadContacts}) || len(d.Pending) != 1 {
		t.Errorf("detail: lost %v, pending %+v", d.Lost, d.Pending)
	}
	if _, err := s.Token(ctx, msID, []string{imap}); err != nil {
		t.Fatal(err)
	}
	a, _ = s.Show(ctx, msID)
	if len(a.Unconfirmed) != 0 || !slices.Contains(a.Scopes, imap) || !slices.Contains(a.Scopes, "Mail.Read") {
		t.Errorf("after the IMAP token: scopes %v, unconfirmed %v", a.Scopes, a.Unconfirmed)
	}
}

// TestExchangeSignInScopesNotReportedMissing: Outlook tokens never list
// openid, profile or email; that is not a refusal.
func TestExchangeSignInScopesNotReportedMissing(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	s, _ := newReviewService(t, newMemStore(), fmt.Sprintf("[providers.exchange]\nclient_id = %q\nauthority = %q\n", m.ClientID, m.URL))
	a, err := s.Connect(context.Background(), ConnectRequest{Provider: "exchange", Allow: []catalog.Capability{catalog.CapabilityMailClient}, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.NotGranted) != 0 || len(a.Unconfirmed) != 0 {
		t.Errorf("exchange: not granted %v, unconfirmed %v", a.NotGranted, a.Unconfirmed)
	}
	d, _ := s.Detail(context.Background(), a.ID)
	if len(d.Granted) == 0 || d.Granted[0].Capability != catalog.CapabilityReadMail || len(d.Lost) != 0 {
		t.Errorf("exchange detail: %+v", d)
	}
}

// TestGrantRecordedAfterRefresh: what a refresh says was granted replaces
// what the index held.
func TestGrantRecordedAfterRefresh(t *testing.T) {
	g := providertest.NewGoogle(t, providertest.GoogleOptions{})
	store := newMemStore()
	s, _ := newReviewService(t, store, googleConfig(g))
	a := connectGoogle(t, s, catalog.CapabilityReadMail)
	ctx := context.Background()
	if err := s.updateIndex(ctx, func(ix *index) error {
		r := ix.byID(a.ID)
		r.Scopes = []string{"openid"}
		r.updateGrantState()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Detail(ctx, a.ID); !slices.Equal(d.Lost, []catalog.Capability{catalog.CapabilityReadMail}) {
		t.Fatalf("tampered index: lost %v", d.Lost)
	}
	expireAccess(t, store, accessKey(a.ID, defaultResource))
	if _, err := s.Token(ctx, a.ID, nil); err != nil {
		t.Fatal(err)
	}
	d, _ := s.Detail(ctx, a.ID)
	if len(d.Lost) != 0 || len(d.NotGranted) != 0 || !slices.Contains(d.Scopes, gAuth+"gmail.readonly") || d.LastRefresh.IsZero() {
		t.Errorf("after refresh: %+v", d.Account)
	}
}

// TestRevokeNotYetEffective: Google says 200 but still accepts the old
// refresh token right after; Latchkey says so instead of claiming success.
func TestRevokeNotYetEffective(t *testing.T) {
	g := providertest.NewGoogle(t, providertest.GoogleOptions{})
	store := newMemStore()
	s, _ := newReviewService(t, store, googleConfig(g))
	connectGoogle(t, s, catalog.CapabilityReadMail)
	g.FailNextRevoke(providertest.Status(200)) // answers 200, revokes nothing
	res, err := s.Revoke(context.Background(), bobID, RevokeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Confirmed || !res.WipedLocally || !strings.Contains(res.Done, "still accepted") || !strings.Contains(res.ToDo, googlePermissionsPage) {
		t.Errorf("%+v", res)
	}
	if len(store.keys()) != 0 {
		t.Errorf("keys %v", store.keys())
	}
}

// TestRevokeBrowserThatWaits: a browser command that does not return
// (xdg-open waiting on the browser) does not hold up the revoke.
func TestRevokeBrowserThatWaits(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	s, b := newReviewService(t, newMemStore(), microsoftConfig(m))
	if _, err := s.Connect(context.Background(), ConnectRequest{Provider: "microsoft", Timeout: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	defer close(release)
	s.openBrowser = func(u string) error { b.open(u); <-release; return nil }
	start := time.Now()
	res, err := s.Revoke(context.Background(), msID, RevokeOptions{})
	if err != nil || !res.PageOpened || !res.WipedLocally {
		t.Fatalf("Revoke = %+v, %v", res, err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("revoke waited %v on the browser", d)
	}
}

// TestRevokeWithoutRefreshToken: the saved sign-in is gone from the
// keychain; the cached access token still revokes the grant at Google, and
// with neither, Latchkey says it had nothing to revoke with.
func TestRevokeWithoutRefreshToken(t *testing.T) {
	for _, withAccess := range []bool{true, false} {
		g := providertest.NewGoogle(t, providertest.GoogleOptions{})
		store := newMemStore()
		s, _ := newReviewService(t, store, googleConfig(g))
		a := connectGoogle(t, s, catalog.CapabilityReadMail)
		store.Delete(context.Background(), refreshKey(a.ID))
		if !withAccess {
			store.Delete(context.Background(), accessKey(a.ID, defaultResource))
		}
		res, err := s.Revoke(context.Background(), bobID, RevokeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.RevokedAtProvider != withAccess || res.Confirmed || !res.WipedLocally || res.ToDo == "" && !withAccess {
			t.Errorf("withAccess=%v: %+v", withAccess, res)
		}
		if withAccess && g.Revokes() != 1 {
			t.Errorf("%d revoke calls", g.Revokes())
		}
		if !withAccess && (g.Revokes() != 0 || !strings.Contains(res.Done, "nothing to revoke")) {
			t.Errorf("no token: %d revoke calls, %q", g.Revokes(), res.Done)
		}
	}
}
