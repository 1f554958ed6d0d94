package main

// End-to-end tests of what binds an account: its refresh token goes only to
// the endpoints in its keychain item, and it stays the person who first
// signed in.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/accounts/oidcprovidertest"
	"github.com/latchkey/latchkey/accounts/providertest"
)

// rawItem reads a keychain item's bytes through secret-tool.
func (w *world) rawItem(key string) string {
	w.t.Helper()
	v, ok, err := keyring.Lookup("latchkey", key)
	if err != nil {
		w.t.Fatal(err)
	}
	if !ok {
		return "(none)"
	}
	return v
}

// accountState is everything a refused sign-in must leave as it was.
type accountState struct {
	index, refresh, access, list, show, token string
}

func (w *world) state(id, resource string) accountState {
	w.t.Helper()
	index, err := os.ReadFile(filepath.Join(w.dir, "accounts.json"))
	if err != nil {
		w.t.Fatal(err)
	}
	return accountState{
		index:   string(index),
		refresh: w.rawItem(id + "/refresh"),
		access:  w.rawItem(id + "/access/" + resource),
		list:    w.must("list"),
		show:    w.must("show", id, "--json"),
		token:   w.must("token", id),
	}
}

func (a accountState) diff(b accountState) []string {
	var changed []string
	for _, f := range []struct{ name, a, b string }{
		{"accounts.json", a.index, b.index}, {"the refresh item", a.refresh, b.refresh}, {"the access item", a.access, b.access},
		{"list", a.list, b.list}, {"show --json", a.show, b.show}, {"token", a.token, b.token},
	} {
		if f.a != f.b {
			changed = append(changed, f.name)
		}
	}
	return changed
}

// identitySetup is one provider connected through the binary, ready to
// play another person with the same address.
type identitySetup struct {
	w        *world
	id, res  string
	connect  []string        // the connect command line
	switchTo func() []string // plays another person; returns extra environment
	issued   func() []string
}

// microsoftSetup: the other person is in tenant ("" for the same tenant).
func microsoftSetup(t *testing.T, tenant string) identitySetup {
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	return identitySetup{w: newWorld(t, fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL)),
		id: "microsoft:" + ms.Email, res: "https://graph.microsoft.com", connect: []string{"connect", "microsoft"},
		switchTo: func() []string { ms.SwitchUser(tenant, "Mallory Other"); return nil },
		issued:   ms.IssuedTokens}
}

// TestProperty40_OtherPersonChangesNothing: through the binary, a reconnect
// that signs in another person with the same address (Microsoft: another
// tenant, or another user of the same tenant; Google and a real OpenID
// provider: another sub) exits 15 with who is who, and the index, the
// keychain items and what list, show and token print are exactly as
// before; --replace then connects the new person and the old refresh
// token is gone from the keychain.
func TestProperty40_OtherPersonChangesNothing(t *testing.T) {
	type setup = identitySetup
	for _, tt := range []struct {
		name string
		new  func(t *testing.T) setup
	}{
		{"microsoft other tenant", func(t *testing.T) setup { return microsoftSetup(t, "0b5c7a1e-2d3f-4a6b-8c9d-e0f1a2b3c4d5") }},
		{"microsoft same tenant other user", func(t *testing.T) setup { return microsoftSetup(t, "") }},
		{"google other sub", func(t *testing.T) setup {
			g := providertest.NewGoogle(t, providertest.GoogleOptions{})
			return setup{w: googleWorld(t, g), id: "google:" + g.Email, res: "default", connect: []string{"connect", "google"},
				switchTo: func() []string { g.SwitchUser("Mallory Other"); return nil },
				issued:   g.IssuedTokens}
		}},
		{"openid other sub", func(t *testing.T) setup {
			srv := oidcprovidertest.Start(t, oidcprovidertest.Options{OtherSubject: "mallory"})
			return setup{w: newWorld(t, oidcConfig(srv)), id: "testidp:" + srv.Email, res: "default", connect: []string{"connect", "testidp"},
				switchTo: func() []string { return []string{"STANDIN_BROWSER_LOGIN=mallory"} },
				issued:   func() []string { return srv.IssuedTokens(t) }}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.new(t)
			w := s.w
			connect := append(s.connect, "--timeout", "60s")
			w.must(connect...)
			before := w.state(s.id, s.res)
			env := append(slicesClone(w.env), s.switchTo()...)

			r := w.runEnv(env, connect...)
			if r.code != exitOtherPerson || !strings.Contains(r.stderr, "Mallory") && !strings.Contains(r.stderr, "Other Person") ||
				!strings.Contains(r.stderr, "nothing was changed") || !strings.Contains(r.stderr, "--replace") {
				t.Fatalf("reconnect as another person: exit %d, stderr %q", r.code, r.stderr)
			}
			if changed := before.diff(w.state(s.id, s.res)); len(changed) > 0 {
				t.Errorf("a refused sign-in changed %s", strings.Join(changed, ", "))
			}

			r = w.runEnv(env, append(connect, "--replace")...)
			if r.code != 0 {
				t.Fatalf("--replace: exit %d, stderr %q", r.code, r.stderr)
			}
			after := w.state(s.id, s.res)
			var old, now map[string]any
			json.Unmarshal([]byte(before.refresh), &old)
			json.Unmarshal([]byte(after.refresh), &now)
			if now["refresh_token"] == old["refresh_token"] || now["subject"] == old["subject"] || after.token == before.token {
				t.Error("--replace kept the old sign-in")
			}
			if strings.Contains(after.refresh+after.access, old["refresh_token"].(string)) {
				t.Error("the old refresh token is still in the keychain")
			}
			w.noLeaks(s.issued())
		})
	}
}

// TestProperty35_ForgedIndexGetsNoToken: accounts.json rewritten after the
// sign-in to name another token endpoint, revoke endpoint and client: an
// expired access token is still renewed at the real provider, a revoke
// still goes there, and the other server gets no request at all.
func TestProperty35_ForgedIndexGetsNoToken(t *testing.T) {
	g := providertest.NewGoogle(t, providertest.GoogleOptions{})
	w := googleWorld(t, g)
	id := "google:" + g.Email
	w.must("connect", "google", "--timeout", "60s")

	rogue, hits := providertest.Rogue(t)
	p := filepath.Join(w.dir, "accounts.json")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	forged := strings.NewReplacer(g.TokenURL, rogue+"/token", g.RevokeURL, rogue+"/revoke", `"`+g.ClientID+`"`, `"rogue-client"`).Replace(string(data))
	if forged == string(data) || os.WriteFile(p, []byte(forged), 0o600) != nil {
		t.Fatal("could not forge accounts.json")
	}

	w.expire(id, "default")
	tok := strings.TrimSpace(w.must("token", id))
	if info, ok := g.Lookup(tok); !ok || g.Refreshes() != 1 {
		t.Errorf("token was not renewed at the real provider (%d refreshes, known there: %v)", g.Refreshes(), ok && info.Email != "")
	}
	w.must("revoke", id, "--no-browser")
	if g.Revokes() != 1 {
		t.Errorf("revokes at the real provider = %d", g.Revokes())
	}
	if n := hits(); n != 0 {
		t.Errorf("the server the forged index names got %d requests", n)
	}
	w.noLeaks(g.IssuedTokens())
}

// TestProperty41_FormatCharactersRefusedAtConnect: an address carrying a
// right-to-left override is refused at connect, shown escaped, and nothing
// is saved.
func TestProperty41_FormatCharactersRefusedAtConnect(t *testing.T) {
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: "alice\u202etset.oc@contoso.test"})
	w := newWorld(t, fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL))
	r := w.expectExit(exitProvider, "connect", "microsoft", "--timeout", "60s")
	if strings.ContainsRune(r.stderr, '\u202e') || !strings.Contains(r.stderr, `\u202e`) {
		t.Errorf("stderr = %q", r.stderr)
	}
	if l := w.list(); len(l) != 0 {
		t.Errorf("a refused name was saved: %+v", l)
	}
}

// TestUnverifiedEmailNamesNoAccount: an OpenID provider that says
// email_verified=false: the account is named by its subject, and show says
// the address is unverified, in text and JSON.
func TestUnverifiedEmailNamesNoAccount(t *testing.T) {
	srv := oidcprovidertest.Start(t, oidcprovidertest.Options{EmailUnverified: true})
	w := newWorld(t, oidcConfig(srv))
	w.must("connect", "testidp", "--timeout", "60s")
	const id = "testidp:" + oidcprovidertest.Subject
	if l := w.list(); len(l) != 1 || l[0].ID != id {
		t.Fatalf("list = %+v, want the account named by its subject", l)
	}
	if out := w.must("show", id); !strings.Contains(out, srv.Email+" is not verified by the provider") {
		t.Errorf("show does not say the address is unverified:\n%s", out)
	}
	var shown struct {
		Unverified string `json:"unverified_email"`
	}
	json.Unmarshal([]byte(w.must("show", id, "--json")), &shown)
	if shown.Unverified != srv.Email {
		t.Errorf("show --json unverified_email = %q", shown.Unverified)
	}
}
