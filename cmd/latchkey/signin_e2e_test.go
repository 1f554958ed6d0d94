package main

// The browser sign-in against local attackers and mixed-up providers,
// through the real binary: RFC 9207's iss and the sign-in URL kept out of
// other processes' argv.

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/accounts/oidcprovidertest"
	"github.com/latchkey/latchkey/accounts/providertest"
)

// TestProperty36_SignInURLNotInArgv: the stand-in browser records its
// whole command line, as another local user reads it from
// /proc/PID/cmdline: it holds only the one-time launch URL (no query, no
// state, nonce or code challenge), and the sign-in still completes
// against the Microsoft emulator and the real oidc-provider. When an
// intruder fetches that URL before the browser, the sign-in stops with
// exit code 7 and says so, and nothing is saved.
func TestProperty36_SignInURLNotInArgv(t *testing.T) {
	t.Parallel()
	launchURL := regexp.MustCompile(`^http://(127\.0\.0\.1|localhost):[0-9]+/start/[A-Za-z0-9_-]{22}$`)
	checkArgv := func(t *testing.T, log string, secrets ...string) {
		t.Helper()
		data, err := os.ReadFile(log)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if err != nil || len(data) == 0 {
			t.Fatalf("the stand-in browser recorded no command line: %v", err)
		}
		for _, argv := range lines {
			if !launchURL.MatchString(argv) {
				t.Errorf("the browser's command line is %q, not just a launch URL", argv)
			}
			for _, s := range append(secrets, "state", "nonce", "code_challenge", "redirect_uri") {
				if strings.Contains(argv, s) {
					t.Errorf("the browser's command line holds %q", s)
				}
			}
		}
	}
	t.Run("microsoft", func(t *testing.T) {
		t.Parallel()
		ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: ownEmail(t, "contoso.test")})
		w := newWorld(t, fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL))
		log := filepath.Join(t.TempDir(), "argv.log")
		w.env = append(w.env, "STANDIN_BROWSER_LOG="+log)
		w.must("connect", "microsoft", "--timeout", "60s")
		verifier := ms.LastTokenRequest().Get("code_verifier")
		sum := sha256.Sum256([]byte(verifier))
		checkArgv(t, log, verifier, base64.RawURLEncoding.EncodeToString(sum[:]))
		w.noLeaks(ms.IssuedTokens())
	})
	t.Run("openid provider", func(t *testing.T) {
		t.Parallel()
		srv := oidcprovidertest.Start(t, oidcprovidertest.Options{Email: ownEmail(t, "example.test")})
		w := newWorld(t, oidcConfig(srv))
		log := filepath.Join(t.TempDir(), "argv.log")
		w.env = append(w.env, "STANDIN_BROWSER_LOG="+log)
		w.must("connect", "testidp", "--timeout", "60s")
		checkArgv(t, log)
		if l := w.list(); len(l) != 1 || l[0].Status != "connected" {
			t.Errorf("list = %+v", l)
		}
	})
	t.Run("intruder fetches the link first", func(t *testing.T) {
		t.Parallel()
		ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: ownEmail(t, "contoso.test")})
		w := newWorld(t, fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL))
		env := append(slicesClone(w.env), "STANDIN_BROWSER_MODE=intruder-first")
		r := w.runEnv(env, "connect", "microsoft", "--timeout", "60s")
		if r.code != exitSignIn || !strings.Contains(r.stderr, "opened more than once") || !strings.Contains(r.stderr, "take over") {
			t.Fatalf("exit %d, stderr %q; want %d and why", r.code, r.stderr, exitSignIn)
		}
		if n := ms.Exchanges(); n != 0 {
			t.Errorf("%d code redemptions after the link was opened twice", n)
		}
		if l := w.list(); len(l) != 0 {
			t.Errorf("saved %+v", l)
		}
	})
}

// TestProperty37_ForeignIssRefused: an authorization response whose iss
// names another issuer is refused with exit code 7 before the code is
// redeemed, for Microsoft (which does not advertise RFC 9207's iss) and
// for an OpenID provider that does not advertise it either; nothing is
// saved. The right iss, or none where none is promised, still connects.
func TestProperty37_ForeignIssRefused(t *testing.T) {
	t.Parallel()
	t.Run("microsoft", func(t *testing.T) {
		t.Parallel()
		ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: ownEmail(t, "contoso.test")})
		w := newWorld(t, fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL))
		for _, foreign := range []string{
			"https://login.evil.test/" + ms.TenantID + "/v2.0", // another authority
			ms.URL + "/common/v2.0",                            // not a tenant
		} {
			ms.SetAuthResponseIssuer(foreign)
			r := w.expectExit(exitSignIn, "connect", "microsoft", "--timeout", "60s")
			if !strings.Contains(r.stderr, "unexpected issuer") {
				t.Errorf("stderr does not name the issuer mix-up: %s", r.stderr)
			}
			if n := ms.Exchanges(); n != 0 {
				t.Errorf("the code of a foreign iss was redeemed (%d token requests)", n)
			}
			if l := w.list(); len(l) != 0 {
				t.Errorf("a foreign iss saved %+v", l)
			}
		}
		ms.SetAuthResponseIssuer(ms.Issuer())
		w.must("connect", "microsoft", "--timeout", "60s")
		w.noLeaks(ms.IssuedTokens())
	})
	t.Run("openid provider not advertising iss", func(t *testing.T) {
		t.Parallel()
		srv := oidcprovidertest.Start(t, oidcprovidertest.Options{HideISSSupport: true, Email: ownEmail(t, "example.test")})
		w := newWorld(t, oidcConfig(srv))
		srv.SetAuthResponseIssuer(t, "http://127.0.0.1:1/elsewhere")
		r := w.expectExit(exitSignIn, "connect", "testidp", "--timeout", "60s")
		if !strings.Contains(r.stderr, "unexpected issuer") {
			t.Errorf("stderr does not name the issuer mix-up: %s", r.stderr)
		}
		if codes, _ := srv.Stats(t); codes != 0 {
			t.Errorf("the code of a foreign iss was redeemed (%d times)", codes)
		}
		if l := w.list(); len(l) != 0 {
			t.Errorf("a foreign iss saved %+v", l)
		}
		// Not advertised, so not required: no iss at all still connects.
		srv.SetAuthResponseIssuer(t, "")
		w.must("connect", "testidp", "--timeout", "60s")
		w.noLeaks(srv.IssuedTokens(t))
	})
}
