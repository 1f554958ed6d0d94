// Package providertest emulates, in-process with httptest, the OAuth
// endpoints Latchkey talks to: Microsoft's identity platform (NewMicrosoft)
// and Google's OAuth endpoints (NewGoogle). Each emulator plays one user who
// consents at once, answers with the response shapes the providers document
// (the shapes in the project's provider reference), and lets a test queue faults
// (FailNext, FailAuthorize), revoke tokens and read what was requested and
// issued. Browser is a stand-in browser that follows the authorize redirect
// to the app's loopback callback.
//
// It is test-support code kept in normal .go files so that other packages'
// tests and the command's end-to-end tests can import it. Every emulator is
// safe for concurrent use.
package providertest

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Fault is a canned failure the token endpoint serves to one request instead
// of its normal answer. Build one with InvalidGrant, TestingExpired, Status,
// TooManyRequests, Hang, Reset, HTML200 or Malformed200 and queue it with FailNext; queued
// faults are consumed first in, first out, one per token request.
type Fault struct {
	kind       faultKind
	code       int
	status     int
	retryAfter time.Duration
	wait       time.Duration
	revoke     bool
	suffix     string
	body       string
}

type faultKind int

const (
	faultInvalidGrant faultKind = iota + 1
	faultStatus
	faultTooMany
	faultHang
	faultReset
	faultHTML
	faultBadToken
	faultBody
)

// InvalidGrant answers the request with the provider's invalid_grant shape.
// The Microsoft emulator uses code as the AADSTS code and fills error,
// suberror, status and description from its table (700082, 50173, 70000,
// 70008, 70043, 54005, 65001, 90094, 90095, 50076, 50079, 53003, 70011,
// 28000, 7000112...; an unknown code gives a generic invalid_grant). The
// Google emulator ignores code and answers "Token has been expired or
// revoked.". The tokens stay valid: chain Revoking for a lasting failure.
func InvalidGrant(code int) Fault { return Fault{kind: faultInvalidGrant, code: code} }

// TestingExpired is Google's refresh-token death after 7 days for apps
// whose consent screen is in "Testing": the same invalid_grant as
// InvalidGrant, and every refresh token stops working from then on. The
// Microsoft emulator serves it as AADSTS700082 (refresh token expired).
func TestingExpired() Fault {
	return Fault{kind: faultInvalidGrant, code: 700082, revoke: true}
}

// Revoking returns f changed so that serving it also revokes every refresh
// token, as a password change or an admin's revocation would: later
// requests fail too (Microsoft AADSTS50173; Google "expired or revoked").
func (f Fault) Revoking() Fault { f.revoke = true; return f }

// Status answers with the HTTP status code and a provider-shaped JSON error
// (Microsoft server_error / temporarily_unavailable with AADSTS50000;
// Google internal_failure).
func Status(code int) Fault { return Fault{kind: faultStatus, status: code} }

// TooManyRequests answers 429 with a Retry-After header of retryAfter,
// rounded up to whole seconds.
func TooManyRequests(retryAfter time.Duration) Fault {
	return Fault{kind: faultTooMany, status: http.StatusTooManyRequests, retryAfter: retryAfter}
}

// Hang holds the request for d, or until the client gives up or the
// emulator shuts down; after d the request is served normally, so the token
// endpoint looks slow rather than dead.
func Hang(d time.Duration) Fault { return Fault{kind: faultHang, wait: d} }

// Reset drops the TCP connection (with a reset where the platform allows)
// without writing a response.
func Reset() Fault { return Fault{kind: faultReset} }

// HTML200 answers 200 OK with an HTML page, as a captive portal or a proxy's
// login page does.
func HTML200() Fault { return Fault{kind: faultHTML} }

// BadToken answers 200 OK with a Bearer token response (access and
// refresh token) whose tokens end in suffix, such as "\r\nX-Injected: 1":
// a provider, or something on the way, handing out tokens that could split
// a header or a line where they are printed. The emulator does not honour
// them; IssuedTokens lists them.
func BadToken(suffix string) Fault { return Fault{kind: faultBadToken, suffix: suffix} }

// Malformed200 answers 200 OK with body as application/json, for token
// responses the client must refuse: broken JSON, another token_type, a
// bad expires_in, no access_token.
func Malformed200(body string) Fault { return Fault{kind: faultBody, body: body} }

// TokenInfo describes an access token an emulator issued.
type TokenInfo struct {
	// Email is the user the token was issued to.
	Email string
	// Resource is the Microsoft resource the token is for: the scope prefix
	// up to and including its last "/" for URI scopes
	// ("https://host/IMAP.AccessAsUser.All" gives "https://host/"), and ""
	// for Microsoft Graph (bare scope names such as Mail.Read). Always ""
	// for Google.
	Resource string
	// Scopes are the granted scopes, as in the response's scope field.
	Scopes []string
	// Expiry is when the token stops working.
	Expiry time.Time
	// Revoked reports a Google token revoked through the revoke endpoint or
	// RevokeAll. Microsoft access tokens are never revoked early.
	Revoked bool
}

// Valid reports whether the token works at now.
func (i TokenInfo) Valid(now time.Time) bool { return !i.Revoked && now.Before(i.Expiry) }

// authFailure is a queued FailAuthorize.
type authFailure struct {
	error, description, subcode string
}

// base holds what both emulators share: the server, the fault queues, the
// records and the signing key. Its fields are guarded by mu.
type base struct {
	srv  *httptest.Server
	done chan struct{} // closed when the test ends, to release Hang

	mu         sync.Mutex
	faults     []Fault
	authFaults []authFailure
	corrupt    []func(map[string]any)
	issued     []string
	refreshes  int
	exchanges  int
	last       url.Values
}

func (b *base) start(t testing.TB, h http.Handler) {
	t.Helper()
	b.done = make(chan struct{})
	b.srv = httptest.NewServer(h)
	t.Cleanup(func() {
		close(b.done)
		b.srv.CloseClientConnections()
		b.srv.Close()
	})
}

func (b *base) failNext(f Fault) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.faults = append(b.faults, f)
}

func (b *base) failAuthorize(f authFailure) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.authFaults = append(b.authFaults, f)
}

func (b *base) corruptNextIDToken(edit func(claims map[string]any)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.corrupt = append(b.corrupt, edit)
}

func (b *base) counts() (refreshes, exchanges int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.refreshes, b.exchanges
}

func (b *base) issuedTokens() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.issued)
}

func (b *base) lastTokenRequest() url.Values {
	b.mu.Lock()
	defer b.mu.Unlock()
	v := url.Values{}
	for k, vs := range b.last {
		v[k] = slices.Clone(vs)
	}
	return v
}

// takeAuthFailure pops the next queued authorize failure. Callers hold mu.
func (b *base) takeAuthFailure() (authFailure, bool) {
	if len(b.authFaults) == 0 {
		return authFailure{}, false
	}
	f := b.authFaults[0]
	b.authFaults = b.authFaults[1:]
	return f, true
}

// recordTokenRequest notes a token request and pops the next fault.
func (b *base) recordTokenRequest(form url.Values) (Fault, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.last = form
	switch form.Get("grant_type") {
	case "refresh_token":
		b.refreshes++
	case "authorization_code":
		b.exchanges++
	}
	if len(b.faults) == 0 {
		return Fault{}, false
	}
	f := b.faults[0]
	b.faults = b.faults[1:]
	return f, true
}

// serveTransportFault handles the faults that look the same for every
// provider. It reports whether the request is finished (handled is false
// for the provider-shaped faults, and after a Hang that ran its course).
func (b *base) serveTransportFault(w http.ResponseWriter, r *http.Request, f Fault) (handled bool) {
	switch f.kind {
	case faultHang:
		timer := time.NewTimer(f.wait)
		defer timer.Stop()
		select {
		case <-timer.C:
			return false
		case <-r.Context().Done():
		case <-b.done:
		}
		return true
	case faultReset:
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("providertest: response writer cannot hijack")
		}
		conn, _, err := hj.Hijack()
		if err != nil {
			return true
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		_ = conn.Close()
		return true
	case faultHTML:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "<!DOCTYPE html>\n<html><head><title>Network login</title></head>"+
			"<body><h1>Sign in to the network</h1><form method=\"post\"><input name=\"user\"></form></body></html>\n")
		return true
	case faultBadToken:
		access, refresh := randomToken("bad", 40)+f.suffix, randomToken("bad", 60)+f.suffix
		b.mu.Lock()
		b.remember(access, refresh)
		b.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "refresh_token": refresh,
			"token_type": "Bearer", "expires_in": 3600})
		return true
	case faultBody:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, f.body)
		return true
	}
	return false
}

// remember records issued secrets. Callers hold mu.
func (b *base) remember(tokens ...string) {
	for _, t := range tokens {
		if t != "" {
			b.issued = append(b.issued, t)
		}
	}
}

// signIDToken signs claims after applying a queued corruption. Callers hold mu.
func (b *base) signIDToken(claims map[string]any) string {
	if len(b.corrupt) > 0 {
		b.corrupt[0](claims)
		b.corrupt = b.corrupt[1:]
	}
	return signJWT(claims)
}

// signingKey is generated once per test binary: RSA generation is slow and
// Latchkey does not check the signature anyway.
var signingKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(fmt.Sprintf("providertest: generate key: %v", err))
	}
	return k
})

// signJWT returns a JWS compact serialization of claims, signed RS256 with
// key id "test".
func signJWT(claims map[string]any) string {
	header := `{"alg":"RS256","kid":"test","typ":"JWT"}`
	body, err := json.Marshal(claims)
	if err != nil {
		panic(fmt.Sprintf("providertest: marshal claims: %v", err))
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString(body)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(nil, signingKey(), crypto.SHA256, sum[:])
	if err != nil {
		panic(fmt.Sprintf("providertest: sign: %v", err))
	}
	return input + "." + enc.EncodeToString(sig)
}

// SigningKey returns the public key that verifies the emulators' ID tokens
// (and Microsoft's JWT access tokens).
func SigningKey() *rsa.PublicKey { return &signingKey().PublicKey }

// randomToken returns prefix followed by random base64url characters, n
// characters long in all (at least the prefix plus 16).
func randomToken(prefix string, n int) string {
	n = max(n-len(prefix), 16)
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	return prefix + base64.RawURLEncoding.EncodeToString(buf)[:n]
}

// guid returns a random RFC 4122 version 4 UUID.
func guid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// s256 is the PKCE S256 transform of a verifier.
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// scopeList splits a space-separated scope parameter.
func scopeList(s string) []string { return strings.Fields(s) }

// withQuery returns redirect with params added to its query.
func withQuery(redirect string, params url.Values) string {
	u, err := url.Parse(redirect)
	if err != nil {
		return redirect
	}
	q := u.Query()
	for k, vs := range params {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// errorPage answers like a provider that will not redirect (unknown client,
// unregistered redirect URI): an HTML page for the person, no redirect.
func errorPage(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><title>%s</title></head><body><h1>%s</h1><p>%s</p></body></html>\n",
		htmlEscape(title), htmlEscape(title), htmlEscape(detail))
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;").Replace(s)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// retryAfterSeconds rounds d up to whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) string {
	s := int((d + time.Second - 1) / time.Second)
	return fmt.Sprint(max(s, 1))
}

// Browser returns a stand-in for the system browser in in-process tests:
// given the authorize URL it GETs it with a client that follows redirects,
// so the final hop lands on the app's loopback callback. It returns at once
// (an error only for a URL that does not parse) and navigates in its own
// goroutine, so the caller may wait for its callback right after opening.
// Navigation failures (such as a callback listener already closed) are
// logged with t.Logf, without the query, which holds the code and state.
// When the test ends, unfinished navigations are cancelled and awaited.
func Browser(t testing.TB) func(url string) error {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	client := &http.Client{Timeout: 30 * time.Second}
	return func(rawURL string) error {
		u, err := url.Parse(rawURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return fmt.Errorf("browser: not an http URL")
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
			if err != nil {
				t.Logf("browser: %v", err)
				return
			}
			resp, err := client.Do(req)
			if err != nil {
				if ctx.Err() == nil {
					t.Logf("browser: visit %s://%s%s: %v", u.Scheme, u.Host, u.Path, redactURLError(err))
				}
				return
			}
			defer resp.Body.Close()
			_, _ = io.Copy(io.Discard, resp.Body)
			final := resp.Request.URL
			t.Logf("browser: %s://%s%s answered %s", final.Scheme, final.Host, final.Path, resp.Status)
		}()
		return nil
	}
}

// redactURLError drops the URL (and its code and state) from a client error.
func redactURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// Rogue starts a server that plays an attacker's endpoint: it answers every
// request with a token response and counts the requests. Point a forged
// file at its URL and check hits stays 0.
func Rogue(t testing.TB) (url string, hits func() int) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"access_token":"rogue-token","token_type":"Bearer","expires_in":3600}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() int { return int(n.Load()) }
}
