package main

// `latchkey check` through the real binary: XOAUTH2 logins against the
// go-imap/go-smtp test servers (which accept only tokens the emulator
// issued for mail), and the profile endpoints of the Microsoft and Google
// emulators.

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/mailtest"
	"github.com/latchkey/latchkey/accounts/providertest"
)

type checkReport struct {
	Account string `json:"account"`
	OK      bool   `json:"ok"`
	Results []struct {
		Part, Target, Status, Detail, Hint string
		Seconds                            float64
	} `json:"results"`
}

// checkJSON runs check --json and reads its report.
func checkJSON(t *testing.T, w *world, env []string, account string, wantCode int) checkReport {
	t.Helper()
	r := w.runEnv(env, "check", account, "--json", "--timeout", "10s")
	if r.code != wantCode {
		t.Fatalf("check --json: exit %d, want %d\nstdout: %s\nstderr: %s", r.code, wantCode, r.stdout, r.stderr)
	}
	var rep checkReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("check --json printed %q: %v", r.stdout, err)
	}
	return rep
}

func (rep checkReport) status() string {
	var s []string
	for _, r := range rep.Results {
		s = append(s, r.Part+"="+r.Status)
	}
	return strings.Join(s, " ")
}

// mailWorld is a world whose config.toml points the provider's mail
// servers and profile endpoint at the test servers and emulator, and the
// environment that trusts the test servers' certificate.
func mailWorld(t *testing.T, provider, table string, srv *mailtest.Server, profileURL string) (*world, []string) {
	w := newWorld(t, fmt.Sprintf("[providers.%s]\n%simap_host = \"imaps://%s:%d\"\nsmtp_host = \"%s:%d\"\nprofile_url = %q\n",
		provider, table, srv.Host, srv.IMAPPort, srv.Host, srv.SMTPPort, profileURL))
	return w, append(slicesClone(w.env), "SSL_CERT_FILE="+srv.CAFile)
}

// TestCheck: every part works for a Microsoft and a Google account that
// may use IMAP and SMTP; the plain report names each part and says it
// works, with progress lines while waiting; nothing issued leaks.
func TestCheck(t *testing.T) {
	t.Parallel()
	t.Run("microsoft", func(t *testing.T) {
		t.Parallel()
		ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: "check@contoso.test"})
		srv := mailtest.Start(t, mailtest.Options{User: "check@contoso.test", CheckToken: func(protocol, token string) error {
			info, ok := ms.Lookup(token)
			want := map[string]string{"imap": "IMAP.AccessAsUser.All", "smtp": "SMTP.Send"}[protocol]
			if !ok || !info.Valid(time.Now()) || !slices.Contains(info.Scopes, "https://outlook.office.com/"+want) {
				return fmt.Errorf("not a valid %s token", protocol)
			}
			return nil
		}})
		w, env := mailWorld(t, "microsoft", fmt.Sprintf("client_id = %q\nauthority = %q\n", ms.ClientID, ms.URL), srv, ms.URL+"/v1.0/me")
		w.must("connect", "microsoft", "--timeout", "60s", "--scope", "User.Read",
			"--scope", "https://outlook.office.com/IMAP.AccessAsUser.All", "--scope", "https://outlook.office.com/SMTP.Send")
		r := w.runEnv(env, "check", "check@contoso.test")
		if r.code != 0 {
			t.Fatalf("check: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
		}
		for _, want := range []string{"ok   IMAP    logged in as check@contoso.test", "ok   SMTP    logged in as", "ok   profile answered for check@contoso.test", "works."} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
			}
		}
		for _, want := range []string{fmt.Sprintf("Checking IMAP at localhost:%d", srv.IMAPPort), fmt.Sprintf("Checking SMTP at localhost:%d", srv.SMTPPort), "Checking profile at " + ms.URL} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr lacks the progress line %q:\n%s", want, r.stderr)
			}
		}
		rep := checkJSON(t, w, env, "check@contoso.test", 0)
		if !rep.OK || rep.status() != "imap=ok smtp=ok profile=ok" {
			t.Errorf("--json: %+v", rep)
		}
		for _, r := range rep.Results {
			t.Logf("figure: %s part took %.3fs", r.Part, r.Seconds)
		}
		w.noLeaks(ms.IssuedTokens())
	})
	t.Run("google", func(t *testing.T) {
		t.Parallel()
		g := providertest.NewGoogle(t, providertest.GoogleOptions{Email: "check@gmail.test"})
		var refuse atomic.Bool
		srv := mailtest.Start(t, mailtest.Options{User: "check@gmail.test", CheckToken: func(protocol, token string) error {
			info, ok := g.Lookup(token)
			if refuse.Load() || !ok || !info.Valid(time.Now()) || !slices.Contains(info.Scopes, "https://mail.google.com/") {
				return fmt.Errorf("not a valid Gmail token")
			}
			return nil
		}})
		w, env := mailWorld(t, "google", fmt.Sprintf("client_id = %q\nclient_secret = %q\nauthorize_url = %q\ntoken_url = %q\nrevoke_url = %q\nissuer = %q\n",
			g.ClientID, g.ClientSecret, g.AuthURL, g.TokenURL, g.RevokeURL, g.Issuer), srv, g.URL+"/gmail/v1/users/me/profile")
		w.must("connect", "google", "--timeout", "60s")
		if rep := checkJSON(t, w, env, "check@gmail.test", 0); rep.status() != "imap=ok smtp=ok profile=ok" {
			t.Errorf("--json: %+v", rep)
		}
		// The servers now refuse the token (IMAP turned off, say).
		refuse.Store(true)
		rep := checkJSON(t, w, env, "check@gmail.test", exitCheckFailed)
		if rep.OK || rep.status() != "imap=failed smtp=failed profile=ok" ||
			!strings.Contains(rep.Results[0].Detail, "refused the token") || rep.Results[0].Hint == "" {
			t.Errorf("refused: %+v", rep)
		}
		r := w.expectExit(exitCheckFailed, "check", "check@gmail.test")
		if !strings.Contains(r.stdout, "FAIL IMAP") || !strings.Contains(r.stdout, "ok   profile") || !strings.Contains(r.stderr, "IMAP, SMTP failed") {
			t.Errorf("stdout: %s\nstderr: %s", r.stdout, r.stderr)
		}
		// The person took the access back at Google: the cached token no
		// longer works anywhere.
		g.RevokeAll()
		rep = checkJSON(t, w, env, "check@gmail.test", exitCheckFailed)
		if p := rep.Results[2]; p.Status != "failed" || !strings.Contains(p.Detail, "HTTP 401") || !strings.Contains(p.Hint, "latchkey connect google") {
			t.Errorf("revoked at Google: %+v", rep)
		}
		w.noLeaks(g.IssuedTokens())
	})
}

// TestCheckGmailUnticked: a person who unticked Gmail at Google's consent
// screen gets each part's failure with the grant that fixes it.
func TestCheckGmailUnticked(t *testing.T) {
	t.Parallel()
	g := providertest.NewGoogle(t, providertest.GoogleOptions{Email: "unticked@gmail.test", Grant: func(req []string) []string {
		return slices.DeleteFunc(slices.Clone(req), func(s string) bool { return s == "https://mail.google.com/" })
	}})
	srv := mailtest.Start(t, mailtest.Options{User: "unticked@gmail.test", CheckToken: func(string, string) error { return fmt.Errorf("no") }})
	w, env := mailWorld(t, "google", fmt.Sprintf("client_id = %q\nclient_secret = %q\nauthorize_url = %q\ntoken_url = %q\nrevoke_url = %q\nissuer = %q\n",
		g.ClientID, g.ClientSecret, g.AuthURL, g.TokenURL, g.RevokeURL, g.Issuer), srv, g.URL+"/gmail/v1/users/me/profile")
	w.must("connect", "google", "--timeout", "60s")
	rep := checkJSON(t, w, env, "unticked@gmail.test", exitCheckFailed)
	if rep.status() != "imap=failed smtp=failed profile=failed" ||
		!strings.Contains(rep.Results[0].Hint, "latchkey grant google:unticked@gmail.test --allow mail-client") ||
		!strings.Contains(rep.Results[2].Detail, "HTTP 403") || !strings.Contains(rep.Results[2].Hint, "--allow read-mail") {
		t.Errorf("%+v", rep)
	}
	w.noLeaks(g.IssuedTokens())
}

// TestCheckFailures: each way a part fails is said in plain words, with
// what to do, and the check exits 18: no IMAP/SMTP permission (grant), a
// server that is not there, a certificate not trusted, a profile endpoint
// that refuses; an unknown account exits 3; a server that never answers
// is given up on within the timeout.
func TestCheckFailures(t *testing.T) {
	t.Parallel()
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: "fails@contoso.test"})
	srv := mailtest.Start(t, mailtest.Options{User: "fails@contoso.test", CheckToken: func(string, string) error { return nil }})
	w, env := mailWorld(t, "microsoft", fmt.Sprintf("client_id = %q\nauthority = %q\n", ms.ClientID, ms.URL), srv, ms.URL+"/v1.0/me")
	// Connected with Graph's User.Read only: no mail permission.
	w.must("connect", "microsoft", "--timeout", "60s")
	rep := checkJSON(t, w, env, "fails@contoso.test", exitCheckFailed)
	if rep.status() != "imap=failed smtp=failed profile=ok" || !strings.Contains(rep.Results[0].Hint, "latchkey grant microsoft:fails@contoso.test --scope https://outlook.office.com/IMAP.AccessAsUser.All") {
		t.Errorf("no mail permission: %+v", rep)
	}
	w.must("grant", "fails@contoso.test", "--scope", "https://outlook.office.com/IMAP.AccessAsUser.All",
		"--scope", "https://outlook.office.com/SMTP.Send", "--timeout", "60s")
	if rep := checkJSON(t, w, env, "fails@contoso.test", 0); rep.status() != "imap=ok smtp=ok profile=ok" {
		t.Errorf("after grant: %+v", rep)
	}

	closed := freePort(t)
	r := w.runEnv(env, "check", "fails@contoso.test", "--smtp-host", fmt.Sprintf("127.0.0.1:%d", closed))
	if r.code != exitCheckFailed || !strings.Contains(r.stdout, fmt.Sprintf("FAIL SMTP    127.0.0.1:%d refused the connection", closed)) || !strings.Contains(r.stdout, "--smtp-host") {
		t.Errorf("closed port: exit %d\n%s", r.code, r.stdout)
	}
	r = w.run("check", "fails@contoso.test") // no SSL_CERT_FILE: the test CA is not trusted
	if r.code != exitCheckFailed || !strings.Contains(r.stdout, "certificate is not trusted") {
		t.Errorf("untrusted certificate: exit %d\n%s", r.code, r.stdout)
	}

	// A server that accepts the connection and never says a word.
	silent := mailtest.Silent(t)
	start := time.Now()
	r = w.runEnv(env, "check", "fails@contoso.test", "--imap-host", silent, "--timeout", "2s")
	if r.code != exitCheckFailed || !strings.Contains(r.stdout, "did not answer within 2s") {
		t.Errorf("silent server: exit %d\n%s", r.code, r.stdout)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("the silent server held the check for %v", d)
	}

	// The Graph token no longer works (revoked, say).
	ms.RevokeAll()
	w.expire("microsoft:fails@contoso.test", "https://graph.microsoft.com")
	r = w.runEnv(env, "check", "fails@contoso.test")
	if r.code == 0 || !strings.Contains(r.stdout, "FAIL profile") {
		t.Errorf("revoked: exit %d\n%s", r.code, r.stdout)
	}
	w.expectExit(exitUnknownAccount, "check", "nobody@contoso.test")
	w.expectExit(exitUsage, "check")
	w.noLeaks(ms.IssuedTokens())
}
