package oidcprovidertest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// client plays a native app: a loopback listener for the redirect and an
// oauth2.Config pointing at the provider.
type client struct {
	conf      *oauth2.Config
	callbacks chan url.Values
}

func newClient(t *testing.T, authURL, tokenURL, clientID string) *client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &client{callbacks: make(chan url.Values, 4)}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/" {
				http.NotFound(w, r)
				return
			}
			c.callbacks <- r.URL.Query()
			fmt.Fprintln(w, "<!DOCTYPE html><p>Signed in. You can close this window.</p>")
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	c.conf = &oauth2.Config{
		ClientID: clientID,
		Endpoint: oauth2.Endpoint{
			AuthURL:   authURL,
			TokenURL:  tokenURL,
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: "http://" + ln.Addr().String() + "/",
		Scopes:      []string{"openid", "email", "profile", "offline_access"},
	}
	return c
}

// openBrowser runs the stand-in xdg-open directly (PATH unchanged) and
// returns at once, as it does for Latchkey.
func openBrowser(t *testing.T, authURL string, env ...string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(BrowserDir(), "xdg-open"), authURL)
	cmd.Env = append(os.Environ(), env...)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xdg-open: %v\n%s", err, out)
	}
	// It must not wait for the sign-in to end (the flow would hang); the
	// bound leaves room for a loaded machine.
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("xdg-open took %v: it must return at once", d)
	}
}

func (c *client) waitCallback(t *testing.T, debugLog string) url.Values {
	t.Helper()
	select {
	case q := <-c.callbacks:
		return q
	case <-time.After(60 * time.Second):
		b, _ := os.ReadFile(debugLog)
		t.Fatalf("no callback on %s after 60s; stand-in browser trace:\n%s", c.conf.RedirectURL, b)
		return nil
	}
}

func claimsOf(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("ID token is not a JWS: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(b, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

func retrieveErrorCode(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return ""
}

func TestNativeClientFlow(t *testing.T) {
	t.Parallel()
	srv := Start(t, Options{Email: "alice@flow.test", AccessTTL: 90 * time.Second})
	c := newClient(t, srv.Issuer+"/auth", srv.Issuer+"/token", srv.ClientID)
	ctx := context.Background()

	verifier := oauth2.GenerateVerifier()
	state, nonce := oauth2.GenerateVerifier(), oauth2.GenerateVerifier()
	authURL := c.conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("nonce", nonce))
	logFile := filepath.Join(t.TempDir(), "browser.log")
	debugLog := filepath.Join(t.TempDir(), "browser.debug")
	openBrowser(t, authURL, "STANDIN_BROWSER_LOG="+logFile, "STANDIN_BROWSER_DEBUG="+debugLog)

	q := c.waitCallback(t, debugLog)
	if q.Get("state") != state {
		t.Fatalf("callback state = %q, want %q (query %v)", q.Get("state"), state, q)
	}
	if q.Get("iss") != srv.Issuer {
		t.Errorf("callback iss = %q, want %q", q.Get("iss"), srv.Issuer)
	}
	if q.Get("code") == "" {
		t.Fatalf("callback has no code: %v", q)
	}
	if b, _ := os.ReadFile(logFile); string(b) != authURL+"\n" {
		t.Errorf("STANDIN_BROWSER_LOG = %q, want the URL and a newline", b)
	}

	tok, err := c.conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("exchange gave access %q refresh %q, want both", tok.AccessToken, tok.RefreshToken)
	}
	if left := time.Until(tok.Expiry); left < 60*time.Second || left > 95*time.Second {
		t.Errorf("access token expires in %v, want about 90s (AccessTTL)", left)
	}
	if scope, _ := tok.Extra("scope").(string); !strings.Contains(scope, "offline_access") {
		t.Errorf("granted scope %q lacks offline_access", scope)
	}
	idToken, _ := tok.Extra("id_token").(string)
	claims := claimsOf(t, idToken)
	for k, want := range map[string]any{
		"iss": srv.Issuer, "aud": srv.ClientID, "sub": Subject, "nonce": nonce,
		"email": "alice@flow.test", "email_verified": true, "name": "Alice Example",
	} {
		if claims[k] != want {
			t.Errorf("ID token %s = %v, want %v", k, claims[k], want)
		}
	}

	// Refresh once: rotation gives a new refresh token.
	tok.Expiry = time.Now().Add(-time.Minute)
	tok2, err := c.conf.TokenSource(ctx, tok).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if tok2.RefreshToken == "" || tok2.RefreshToken == tok.RefreshToken {
		t.Errorf("refresh token after refresh = %q, want a new one (rotation)", tok2.RefreshToken)
	}
	if tok2.AccessToken == tok.AccessToken {
		t.Errorf("refresh gave the same access token")
	}

	if a, r := srv.Stats(t); a != 1 || r != 1 {
		t.Errorf("Stats = %d, %d, want 1, 1", a, r)
	}
	issued := srv.IssuedTokens(t)
	for _, v := range []string{tok.AccessToken, tok.RefreshToken, idToken, tok2.AccessToken, tok2.RefreshToken} {
		if !slices.Contains(issued, v) {
			t.Errorf("IssuedTokens lacks %.16s...", v)
		}
	}

	srv.RevokeAll(t)
	tok2.Expiry = time.Now().Add(-time.Minute)
	_, err = c.conf.TokenSource(ctx, tok2).Token()
	if code := retrieveErrorCode(err); code != "invalid_grant" {
		t.Errorf("refresh after RevokeAll: %v (code %q), want invalid_grant", err, code)
	}
}

func TestDeny(t *testing.T) {
	t.Parallel()
	srv := Start(t, Options{})
	c := newClient(t, srv.Issuer+"/auth", srv.Issuer+"/token", srv.ClientID)
	state := oauth2.GenerateVerifier()
	debugLog := filepath.Join(t.TempDir(), "browser.debug")
	openBrowser(t, c.conf.AuthCodeURL(state, oauth2.S256ChallengeOption(oauth2.GenerateVerifier())),
		"STANDIN_BROWSER_MODE=deny", "STANDIN_BROWSER_DEBUG="+debugLog)
	q := c.waitCallback(t, debugLog)
	if q.Get("error") != "access_denied" || q.Get("state") != state || q.Has("code") {
		t.Errorf("callback %v, want error=access_denied with the state and no code", q)
	}
	if a, r := srv.Stats(t); a != 0 || r != 0 {
		t.Errorf("Stats = %d, %d, want 0, 0", a, r)
	}
}

// TestAuthResponseIssuerHooks: HideISSSupport takes RFC 9207's flag out
// of discovery while responses keep their iss; SetAuthResponseIssuer puts
// another iss in them, or none.
func TestAuthResponseIssuerHooks(t *testing.T) {
	t.Parallel()
	srv := Start(t, Options{HideISSSupport: true})
	resp, err := http.Get(srv.Issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	err = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if _, ok := doc["authorization_response_iss_parameter_supported"]; err != nil || ok || doc["issuer"] != srv.Issuer {
		t.Errorf("discovery %v (%v): want the issuer and no iss support", doc, err)
	}
	c := newClient(t, srv.Issuer+"/auth", srv.Issuer+"/token", srv.ClientID)
	for _, tt := range []struct {
		set      bool
		iss      string
		want     string
		wantSome bool
	}{
		{false, "", srv.Issuer, true},
		{true, "http://127.0.0.1:1/elsewhere", "http://127.0.0.1:1/elsewhere", true},
		{true, "", "", false},
	} {
		if tt.set {
			srv.SetAuthResponseIssuer(t, tt.iss)
		}
		debugLog := filepath.Join(t.TempDir(), "browser.debug")
		openBrowser(t, c.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())), "STANDIN_BROWSER_DEBUG="+debugLog)
		q := c.waitCallback(t, debugLog)
		if q.Has("iss") != tt.wantSome || q.Get("iss") != tt.want || q.Get("code") == "" || q.Get("state") != "st" {
			t.Errorf("after SetAuthResponseIssuer(%q): callback iss %q (present %v), want %q", tt.iss, q.Get("iss"), q.Has("iss"), tt.want)
		}
	}
}

func TestUnknownLogin(t *testing.T) {
	t.Parallel()
	srv := Start(t, Options{})
	c := newClient(t, srv.Issuer+"/auth", srv.Issuer+"/token", srv.ClientID)
	debugLog := filepath.Join(t.TempDir(), "browser.debug")
	openBrowser(t, c.conf.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())),
		"STANDIN_BROWSER_LOGIN=mallory", "STANDIN_BROWSER_DEBUG="+debugLog)
	if q := c.waitCallback(t, debugLog); q.Get("error") != "access_denied" || q.Has("code") {
		t.Errorf("callback %v, want error=access_denied", q)
	}
}

func TestNoRotationAndFailNext(t *testing.T) {
	t.Parallel()
	srv := Start(t, Options{NoRotation: true, ClientID: "other-client"})
	c := newClient(t, srv.Issuer+"/auth", srv.Issuer+"/token", srv.ClientID)
	ctx := context.Background()
	verifier := oauth2.GenerateVerifier()
	debugLog := filepath.Join(t.TempDir(), "browser.debug")
	openBrowser(t, c.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "STANDIN_BROWSER_DEBUG="+debugLog)
	q := c.waitCallback(t, debugLog)
	tok, err := c.conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}

	srv.FailNext(t, 503, "")
	refresh := func() (*oauth2.Token, error) {
		return c.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	}
	if _, err := refresh(); err == nil || retrieveErrorCode(err) != "server_error" {
		t.Errorf("refresh after FailNext(503): %v, want server_error", err)
	}
	for i := range 2 {
		tok2, err := refresh()
		if err != nil {
			t.Fatalf("refresh %d with the same refresh token: %v", i, err)
		}
		if tok2.RefreshToken != tok.RefreshToken {
			t.Errorf("refresh %d returned refresh token %q, want the old one kept", i, tok2.RefreshToken)
		}
	}
	if a, r := srv.Stats(t); a != 1 || r != 2 {
		t.Errorf("Stats = %d, %d, want 1, 2", a, r)
	}
}

// TestRedirectURIs records which redirect URIs the client's registration
// (http://127.0.0.1/ and http://[::1]/) accepts at the authorization endpoint.
func TestRedirectURIs(t *testing.T) {
	t.Parallel()
	srv := Start(t, Options{})
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for redirect, ok := range map[string]bool{
		"http://127.0.0.1:49152/":   true,
		"http://127.0.0.1:8/":       true,
		"http://127.0.0.1/":         true,
		"http://[::1]:49152/":       true,
		"http://127.0.0.1:49152":    false, // the path must be "/" as registered
		"http://127.0.0.1:49152/cb": false,
		"http://localhost:49152/":   false, // localhost is not registered
		"https://127.0.0.1:49152/":  false,
	} {
		q := url.Values{
			"client_id": {srv.ClientID}, "response_type": {"code"}, "scope": {"openid"},
			"redirect_uri": {redirect}, "code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())},
			"code_challenge_method": {"S256"}, "state": {"x"},
		}
		resp, err := noFollow.Get(srv.Issuer + "/auth?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		accepted := resp.StatusCode/100 == 3 && strings.Contains(loc, "/interaction/")
		if accepted != ok {
			t.Errorf("redirect_uri %s: status %d location %q; accepted %v, want %v", redirect, resp.StatusCode, loc, accepted, ok)
		}
	}
	// PKCE is required.
	q := url.Values{"client_id": {srv.ClientID}, "response_type": {"code"}, "scope": {"openid"},
		"redirect_uri": {"http://127.0.0.1:49152/"}, "state": {"x"}}
	resp, err := noFollow.Get(srv.Issuer + "/auth?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc, _ := url.Parse(resp.Header.Get("Location")); loc == nil || loc.Query().Get("error") != "invalid_request" {
		t.Errorf("authorization without PKCE: %d %q, want a redirect with error=invalid_request", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestBrowserAgainstRedirectingEmulator: the same script works against an
// authorize endpoint that redirects straight to the loopback URI.
func TestBrowserAgainstRedirectingEmulator(t *testing.T) {
	t.Parallel()
	emu := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		u, err := url.Parse(q.Get("redirect_uri"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		u.RawQuery = url.Values{"code": {"emulated"}, "state": {q.Get("state")}}.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}))
	defer emu.Close()
	c := newClient(t, emu.URL+"/authorize", emu.URL+"/token", "x")
	debugLog := filepath.Join(t.TempDir(), "browser.debug")
	openBrowser(t, c.conf.AuthCodeURL("s1"), "STANDIN_BROWSER_DEBUG="+debugLog)
	if q := c.waitCallback(t, debugLog); q.Get("code") != "emulated" || q.Get("state") != "s1" {
		t.Errorf("callback %v", q)
	}
}

func TestBrowserModeNone(t *testing.T) {
	t.Parallel()
	c := newClient(t, "http://127.0.0.1:1/auth", "http://127.0.0.1:1/token", "x")
	logFile := filepath.Join(t.TempDir(), "browser.log")
	openBrowser(t, c.conf.AuthCodeURL("s"), "STANDIN_BROWSER_MODE=none", "STANDIN_BROWSER_LOG="+logFile)
	openBrowser(t, c.conf.AuthCodeURL("t"), "STANDIN_BROWSER_MODE=none", "STANDIN_BROWSER_LOG="+logFile)
	if b, _ := os.ReadFile(logFile); strings.Count(string(b), "\n") != 2 {
		t.Errorf("log %q, want two lines", b)
	}
	select {
	case q := <-c.callbacks:
		t.Errorf("mode none reached the callback: %v", q)
	case <-time.After(500 * time.Millisecond):
	}
}
