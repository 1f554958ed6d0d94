package main

// End-to-end tests of the review commands (scopes, show, connect --allow,
// grant, reduce, revoke) through the real binary, the Go emulators and the
// real keychain, read back with secret-tool.

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/oidcprovidertest"
	"github.com/latchkey/latchkey/accounts/providertest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ (review and setup)")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update after checking):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func googleWorld(t *testing.T, g *providertest.Google) *world {
	return newWorld(t, fmt.Sprintf("[providers.google]\nclient_id = %q\nclient_secret = %q\nauthorize_url = %q\ntoken_url = %q\nrevoke_url = %q\nissuer = %q\n",
		g.ClientID, g.ClientSecret, g.AuthURL, g.TokenURL, g.RevokeURL, g.Issuer))
}

// TestScopesGolden: the catalog as people and scripts read it.
func TestScopesGolden(t *testing.T) {
	w := newWorld(t, "")
	golden(t, "scopes.txt", w.must("scopes"))
	golden(t, "scopes.json", w.must("scopes", "--json"))
	golden(t, "scopes-explain.txt", w.must("scopes", "microsoft", "Mail.Read", "https://graph.microsoft.com/mail.send", "Sites.Read.All"))
	w.expectExit(exitUsage, "scopes", "testidp")
}

// showFixture is an index with a Google account whose person unticked
// Gmail sending, and a Microsoft account with a scope Latchkey does not
// know, one its tenant stripped and one of a second resource not yet
// confirmed. Fixed times keep the output stable.
const showFixture = `{
  "version": 1,
  "accounts": [
    {
      "id": "google:bob@gmail.test", "provider": "google", "email": "bob@gmail.test", "name": "Bob Tester",
      "status": "connected",
      "scopes": ["openid", "https://www.googleapis.com/auth/userinfo.email", "https://www.googleapis.com/auth/gmail.readonly", "https://www.googleapis.com/auth/calendar"],
      "requested_scopes": ["openid", "email", "https://www.googleapis.com/auth/gmail.readonly", "https://www.googleapis.com/auth/gmail.send", "https://www.googleapis.com/auth/calendar"],
      "not_granted": ["https://www.googleapis.com/auth/gmail.send"],
      "capabilities": ["read-mail", "send-mail", "manage-calendar"],
      "connected_at": "2026-11-20T09:15:00Z", "last_refresh": "2026-11-22T17:40:05Z",
      "family": "google", "client_id": "google-client", "token_url": "https://oauth2.example.test/token",
      "revoke_url": "https://oauth2.example.test/revoke", "issuer": "https://accounts.example.test", "subject": "1",
      "tokens": {"default": {"expires_at": "2026-11-22T18:40:04Z", "scopes": ["openid"]}}
    },
    {
      "id": "microsoft:alice@contoso.test", "provider": "microsoft", "email": "alice@contoso.test", "name": "Alice Tester",
      "status": "needs-reconnect", "status_reason": "the saved sign-in expired because it was not used for 90 days",
      "scopes": ["openid", "profile", "email", "Mail.ReadWrite", "Mail.Send", "https://graph.microsoft.com/Sites.Read.All"],
      "requested_scopes": ["openid", "profile", "email", "offline_access", "Mail.ReadWrite", "Mail.Send", "Contacts.Read", "https://graph.microsoft.com/Sites.Read.All", "https://outlook.office.com/IMAP.AccessAsUser.All"],
      "not_granted": ["Contacts.Read"],
      "unconfirmed": ["https://outlook.office.com/IMAP.AccessAsUser.All"],
      "connected_at": "2026-10-01T08:00:00Z",
      "family": "microsoft", "client_id": "ms-client", "token_url": "https://login.example.test/common/oauth2/v2.0/token",
      "issuer": "https://login.example.test/3f5e3d0a-4b1c-4f7e-9a51-2c8d6b0e7a11/v2.0", "subject": "2",
      "tenant_id": "3f5e3d0a-4b1c-4f7e-9a51-2c8d6b0e7a11",
      "resource": "https://graph.microsoft.com", "graph": "https://graph.microsoft.com",
      "tokens": {"https://graph.microsoft.com": {"expires_at": "2026-10-01T09:00:00Z", "scopes": ["Mail.ReadWrite"]}}
    }
  ]
}
`

// TestShowGolden: an account's permissions grouped by capability, then
// what was not granted and what therefore will not work.
func TestShowGolden(t *testing.T) {
	w := newWorld(t, "")
	if err := os.WriteFile(filepath.Join(w.dir, "accounts.json"), []byte(showFixture), 0o600); err != nil {
		t.Fatal(err)
	}
	w.env = append(w.env, "TZ=UTC")
	w.plantSignIn("google:bob@gmail.test")
	golden(t, "show-google.txt", w.must("show", "bob@gmail.test"))
	golden(t, "show-google.json", w.must("show", "bob@gmail.test", "--json"))
	golden(t, "show-microsoft.txt", w.must("show", "microsoft:alice@contoso.test"))
	golden(t, "show-microsoft.json", w.must("show", "microsoft:alice@contoso.test", "--json"))
}

// TestShowNoAccessTokenYet: an account with no cached access token says
// so plainly, in show and in list, instead of "expires: never" (which
// reads as a token that does not expire).
func TestShowNoAccessTokenYet(t *testing.T) {
	w := newWorld(t, "")
	const index = `{"version": 1, "accounts": [{
  "id": "google:carol@gmail.test", "provider": "google", "email": "carol@gmail.test",
  "status": "connected", "scopes": ["openid"], "connected_at": "2026-11-20T09:15:00Z",
  "family": "google", "client_id": "google-client", "token_url": "https://oauth2.example.test/token"}]}`
	if err := os.WriteFile(filepath.Join(w.dir, "accounts.json"), []byte(index), 0o600); err != nil {
		t.Fatal(err)
	}
	show := w.must("show", "carol@gmail.test")
	if !strings.Contains(show, "Token expires:  no access token yet") || strings.Contains(show, "Token expires:  never") {
		t.Errorf("show does not say plainly that there is no access token yet:\n%s", show)
	}
	if list := w.must("list"); !strings.Contains(list, "none yet") || strings.Contains(list, "never") {
		t.Errorf("list does not say plainly that there is no access token yet:\n%s", list)
	}
}

// TestConnectAllowPartialGrant: --allow asks for the fewest scopes, says
// why before the browser opens; the person unticks Gmail sending on
// Google's consent screen, and both connect and show name the lost
// capability.
func TestConnectAllowPartialGrant(t *testing.T) {
	g := providertest.NewGoogle(t, providertest.GoogleOptions{
		Email: "alice@gmail.test",
		Grant: func(req []string) []string {
			var out []string
			for _, s := range req {
				if !strings.HasSuffix(s, "/gmail.send") {
					out = append(out, s)
				}
			}
			return out
		},
	})
	w := googleWorld(t, g)
	r := w.run("connect", "google", "--allow", "read-mail,send-mail", "--timeout", "60s")
	if r.code != 0 {
		t.Fatalf("connect: %d %s", r.code, r.stderr)
	}
	plan, _, ok := strings.Cut(r.stderr, "Opening your browser")
	if !ok {
		t.Fatalf("stderr = %s", r.stderr)
	}
	for _, want := range []string{"openid", "https://www.googleapis.com/auth/gmail.readonly", "Needed to read your mail",
		"https://www.googleapis.com/auth/gmail.send", "Needed to send mail", "(send, sensitive)"} {
		if !strings.Contains(plan, want) {
			t.Errorf("the plan printed before the browser lacks %q:\n%s", want, plan)
		}
	}
	if strings.Contains(plan, "mail.google.com") || strings.Contains(g.LastTokenRequest().Get("scope"), "mail.google.com") {
		t.Error("--allow read-mail,send-mail asked for full Gmail access")
	}
	if !strings.Contains(r.stdout, "So these will not work: send-mail") || !strings.Contains(r.stdout, "latchkey grant google:alice@gmail.test --allow send-mail") {
		t.Errorf("connect stdout = %s", r.stdout)
	}
	show := w.must("show", "alice@gmail.test")
	for _, want := range []string{"Read your mail\n    https://www.googleapis.com/auth/gmail.readonly", "Asked for but not granted:\n    https://www.googleapis.com/auth/gmail.send",
		"So these will not work: send-mail (send mail)"} {
		if !strings.Contains(show, want) {
			t.Errorf("show lacks %q:\n%s", want, show)
		}
	}

	// Adding the calendar later keeps the account and what it had.
	w.must("grant", "alice@gmail.test", "--allow", "read-calendar", "--timeout", "60s")
	show = w.must("show", "alice@gmail.test")
	if !strings.Contains(show, "Read your calendar") || !strings.Contains(show, "Read your mail") {
		t.Errorf("after grant, show = %s", show)
	}
	if q := g.LastTokenRequest(); q.Get("grant_type") != "authorization_code" {
		t.Errorf("grant did not sign in again: %v", q)
	}
	w.noLeaks(g.IssuedTokens())

	// Refusals and typos are usage errors that say why.
	r = w.expectExit(exitUsage, "connect", "exchange", "--allow", "read-calendar")
	if !strings.Contains(r.stderr, "EWS") || !strings.Contains(r.stderr, "latchkey scopes exchange") {
		t.Errorf("refusal: %s", r.stderr)
	}
	w.expectExit(exitUsage, "connect", "google", "--allow", "read-mail,fly")
}

// TestRevokeGoogle: 200 then a confirmed refusal; already revoked (400);
// a network failure midway then a retry. The keychain is read back
// through secret-tool after each.
func TestRevokeGoogle(t *testing.T) {
	g := providertest.NewGoogle(t, providertest.GoogleOptions{Email: "alice@gmail.test"})
	w := googleWorld(t, g)
	const id = "google:alice@gmail.test"
	gone := func(when string) {
		t.Helper()
		for _, key := range []string{id + "/refresh", id + "/access/default"} {
			if _, ok := w.item(key); ok {
				t.Errorf("%s: secret-tool still finds %s", when, key)
			}
		}
		if l := w.list(); len(l) != 0 {
			t.Errorf("%s: still listed: %+v", when, l)
		}
		noItems(t, id)
	}

	w.must("connect", "google", "--allow", "read-mail", "--timeout", "60s")
	out := w.must("revoke", "alice@gmail.test")
	if !strings.Contains(out, "The provider revoked Latchkey's access") || !strings.Contains(out, "now refuses the old sign-in") {
		t.Errorf("revoke: %s", out)
	}
	gone("after revoke")
	w.expectExit(exitUnknownAccount, "revoke", "alice@gmail.test")

	w.must("connect", "google", "--allow", "read-mail", "--timeout", "60s")
	g.RevokeAll() // the person removed Latchkey at Google's page
	out = w.must("revoke", id)
	if !strings.Contains(out, "already revoked") {
		t.Errorf("revoke of an already revoked grant: %s", out)
	}
	gone("after the already-revoked revoke")

	w.must("connect", "google", "--allow", "read-mail", "--timeout", "60s")
	g.FailNextRevoke(providertest.Reset().Revoking()) // Google acts, the answer is lost
	r := w.expectExit(exitUnreachable, "revoke", id)
	if !strings.Contains(r.stderr, "nothing was deleted") {
		t.Errorf("stderr = %s", r.stderr)
	}
	if _, ok := w.item(id + "/refresh"); !ok {
		t.Error("a revoke that failed midway deleted the saved sign-in")
	}
	if l := w.list(); len(l) != 1 || l[0].Status != "revoking" {
		t.Errorf("list after a failed revoke: %+v", l)
	}
	r = w.expectExit(exitNeedsReconnect, "token", id)
	if !strings.Contains(r.stderr, "revoke") {
		t.Errorf("token while revoking: %s", r.stderr)
	}
	out = w.must("revoke", id)
	if !strings.Contains(out, "already revoked") || !strings.Contains(out, "now refuses") {
		t.Errorf("retry: %s", out)
	}
	gone("after the retry")
	w.noLeaks(g.IssuedTokens())
}

// TestRevokeMicrosoft: a local wipe, the account's app page opened, and a
// plain account of what is left to do; nothing is sent to Microsoft.
func TestRevokeMicrosoft(t *testing.T) {
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{TenantID: providertest.PersonalTenantID, Email: "carol@outlook.test"})
	w := newWorld(t, fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL))
	log := filepath.Join(t.TempDir(), "browser.log")
	w.env = append(w.env, "STANDIN_BROWSER_LOG="+log)
	const id = "microsoft:carol@outlook.test"
	w.must("connect", "microsoft", "--allow", "read-mail", "--timeout", "60s")
	issued := len(ms.IssuedTokens())
	out := w.must("revoke", id)
	for _, want := range []string{"no way for an app to take back its own access", "deleted from the keychain",
		"https://account.live.com/consent/Manage", "The page is open in your browser"} {
		if !strings.Contains(out, want) {
			t.Errorf("revoke output lacks %q:\n%s", want, out)
		}
	}
	opened, _ := os.ReadFile(log)
	if lines := strings.Split(strings.TrimSpace(string(opened)), "\n"); lines[len(lines)-1] != "https://account.live.com/consent/Manage" {
		t.Errorf("browser opened %q", lines)
	}
	for _, key := range []string{id + "/refresh", id + "/access/https://graph.microsoft.com"} {
		if _, ok := w.item(key); ok {
			t.Errorf("secret-tool still finds %s", key)
		}
	}
	noItems(t, id)
	if len(ms.IssuedTokens()) != issued || ms.Refreshes() != 0 {
		t.Error("revoke called Microsoft")
	}

	// remove says the grant stays, and where to remove it: the account's
	// own permissions page, as show names it.
	w.must("connect", "microsoft", "--timeout", "60s")
	var shown struct {
		PermissionsPage string `json:"permissions_page"`
	}
	if err := json.Unmarshal([]byte(w.must("show", id, "--json")), &shown); err != nil || shown.PermissionsPage == "" {
		t.Fatalf("show --json: no permissions_page (%v)", err)
	}
	out = w.must("remove", id)
	if !strings.Contains(out, "still exists at the provider") || !strings.Contains(out, "remove it at "+shown.PermissionsPage+".") {
		t.Errorf("remove: %s", out)
	}
}

// TestAdminConsentLink: a tenant that requires an administrator's approval
// gets an explanation and the link for its IT department.
func TestAdminConsentLink(t *testing.T) {
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	w := newWorld(t, fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL))
	ms.FailAuthorizeAADSTS(90094)
	r := w.expectExit(exitSignIn, "connect", "microsoft", "--timeout", "60s")
	link := ms.URL + "/organizations/adminconsent?client_id=" + ms.ClientID
	if !strings.Contains(r.stderr, link) || !strings.Contains(r.stderr, "IT department") {
		t.Errorf("stderr = %s", r.stderr)
	}

	// Later, the organization withdraws approval: the refresh fails, and
	// both the error and show give the link with the account's tenant.
	w.must("connect", "microsoft", "--timeout", "60s")
	id := "microsoft:" + ms.Email
	ms.FailNext(providertest.InvalidGrant(90094))
	w.expire(id, "https://graph.microsoft.com")
	link = ms.URL + "/" + ms.TenantID + "/adminconsent?client_id=" + ms.ClientID
	r = w.expectExit(exitNeedsReconnect, "token", id)
	if !strings.Contains(r.stderr, link) {
		t.Errorf("token stderr = %s", r.stderr)
	}
	if out := w.must("show", id); !strings.Contains(out, link) {
		t.Errorf("show = %s", out)
	}
}

// noItems checks that the keychain holds no item of account id at all
// (parts of split items included), listing every Latchkey item.
func noItems(t *testing.T, id string) {
	t.Helper()
	names, err := keyring.Usernames("latchkey")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if strings.HasPrefix(n, id+"/") {
			t.Errorf("the keychain still holds %s", n)
		}
	}
}

// TestReadmeCapabilityTable keeps the README's capability table true to
// the data it documents.
func TestReadmeCapabilityTable(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "| `") {
			name, _, _ := strings.Cut(strings.TrimPrefix(line, "| `"), "`")
			rows[name] = line
		}
	}
	for _, c := range catalog.Capabilities() {
		row, ok := rows[string(c.Name)]
		if !ok {
			t.Errorf("README has no row for %s", c.Name)
			continue
		}
		cells := strings.Split(strings.Trim(row, "| "), " | ")
		for i, p := range []string{"microsoft", "exchange", "google"} {
			pc, _ := catalog.CapabilityScopes(p, c.Name)
			want := "not offered"
			if pc.Refused == "" {
				var names []string
				for _, sc := range pc.Scopes {
					sc = strings.TrimPrefix(sc, "https://www.googleapis.com/auth/")
					sc = strings.TrimPrefix(sc, "https://outlook.office.com/")
					names = append(names, "`"+sc+"`")
				}
				want = strings.Join(names, " + ")
			}
			if i+1 >= len(cells) || cells[i+1] != want {
				t.Errorf("README row %q: %s should say %s", row, p, want)
			}
		}
	}
}

// TestRevokeOpenIDProvider: a real OpenID provider (oidc-provider) with an
// RFC 7009 revocation endpoint revokes the grant; Latchkey confirms the old
// refresh token is refused and leaves nothing in the keychain.
func TestRevokeOpenIDProvider(t *testing.T) {
	srv := oidcprovidertest.Start(t, oidcprovidertest.Options{})
	w := newWorld(t, oidcConfig(srv))
	const id = "testidp:alice@example.test"
	w.must("connect", "testidp", "--timeout", "60s")
	out := w.must("revoke", id)
	if !strings.Contains(out, "The provider revoked Latchkey's access") || !strings.Contains(out, "now refuses the old sign-in") {
		t.Errorf("revoke: %s", out)
	}
	for _, key := range []string{id + "/refresh", id + "/access/default"} {
		if _, ok := w.item(key); ok {
			t.Errorf("secret-tool still finds %s", key)
		}
	}
}

// TestReduceGoogle: reduce revokes the broad grant at Google and connects
// again with only what is kept.
func TestReduceGoogle(t *testing.T) {
	g := providertest.NewGoogle(t, providertest.GoogleOptions{Email: "dora@gmail.test"})
	w := googleWorld(t, g)
	w.must("connect", "google", "--allow", "read-mail,send-mail", "--timeout", "60s")
	out := w.must("reduce", "dora@gmail.test", "--allow", "read-mail", "--timeout", "60s")
	if !strings.Contains(out, "revoked") || !strings.Contains(out, "Programs can: read-mail") || strings.Contains(out, "send-mail") {
		t.Errorf("reduce: %s", out)
	}
	if g.Revokes() != 1 {
		t.Errorf("%d revoke calls", g.Revokes())
	}
	l := w.list()
	if len(l) != 1 || strings.Contains(strings.Join(l[0].Scopes, " "), "gmail.send") {
		t.Errorf("after reduce: %+v", l)
	}
	w.expectExit(exitUsage, "reduce", "dora@gmail.test")
}

// TestReviewCommandsHelp: every review command teaches with examples and
// refuses a wrong command line with exit code 2.
func TestReviewCommandsHelp(t *testing.T) {
	w := newWorld(t, "")
	for _, c := range []string{"scopes", "grant", "reduce", "revoke"} {
		if out := w.must(c, "--help"); !strings.Contains(out, "Examples:") {
			t.Errorf("%s --help has no examples", c)
		}
	}
	w.expectExit(exitUsage, "revoke")
	w.expectExit(exitUsage, "grant", "a@b.test")
	w.expectExit(exitUsage, "grant", "a@b.test", "--allow", "teleport")
	w.expectExit(exitUnknownAccount, "grant", "nobody@b.test", "--allow", "read-mail", "--no-browser")
	w.expectExit(exitUnknownAccount, "revoke", "nobody@b.test")
	w.expectExit(exitUsage, "scopes", "--frobnicate")
	// A bad flag value points at the command's own help, as connect does.
	for _, c := range []string{"grant", "reduce"} {
		if r := w.expectExit(exitUsage, c, "a@b.test", "--allow", "read-mail", "--timeout", "0"); !strings.Contains(r.stderr, "latchkey help "+c) {
			t.Errorf("%s --timeout 0: %s", c, r.stderr)
		}
	}
}
