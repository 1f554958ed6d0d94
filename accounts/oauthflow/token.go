package oauthflow

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// AuthStyle says how the client authenticates to the token endpoint.
type AuthStyle int

const (
	// AuthInParams sends client_id (and client_secret, if any) in the form
	// body. It is the default and what public native clients use.
	AuthInParams AuthStyle = iota
	// AuthBasic sends them with HTTP Basic authentication (RFC 6749 section
	// 2.3.1), form-urlencoded first. Without a secret, AuthInParams is used.
	AuthBasic
)

// Endpoint is a provider's token endpoint and the client that talks to it.
// Its methods send what golang.org/x/oauth2 does not: the scope on refresh
// (Microsoft picks the resource by it), and they return Microsoft's
// error_codes and every rotated refresh token to the caller.
type Endpoint struct {
	// TokenURL must be https (http only for a loopback host).
	TokenURL string
	// ClientID is the registered client.
	ClientID string
	// ClientSecret is sent when not empty. Desktop clients' secrets are not
	// confidential, but Google requires one.
	ClientSecret string
	// AuthStyle defaults to AuthInParams.
	AuthStyle AuthStyle
	// Now is the clock that dates a response (a token's expiry, a
	// Retry-After); nil means time.Now.
	Now func() time.Time
}

// now reads e's clock.
func (e Endpoint) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// Token is a successful token response (RFC 6749 section 5.1).
type Token struct {
	AccessToken string
	// TokenType is always "Bearer": other types are rejected.
	TokenType string
	// RefreshToken is "" when the response carried none (Google refreshes):
	// keep the old one. A non-empty one replaces the old one (Microsoft
	// rotates on every refresh) and must be persisted before use.
	RefreshToken string
	// IDToken is the raw ID token, "" if none; see ParseIDToken.
	IDToken string
	// Expiry is the time the request was sent plus expires_in; callers
	// subtract their own margin.
	Expiry time.Time
	// Scopes are the granted scopes from the response's scope, nil when the
	// response had none (then the granted scopes are not known).
	Scopes []string
	// Raw holds the response's other members (ext_expires_in, ...), minus
	// anything whose name suggests a secret (token, secret, code, key,
	// password). Numbers are float64.
	Raw map[string]any
}

// String keeps the secrets of a Token out of logs and error strings.
func (t Token) String() string {
	return fmt.Sprintf("oauthflow.Token{redacted, expiry %s, scopes %q}", t.Expiry.Format(time.RFC3339), t.Scopes)
}

// GoString keeps the secrets of a Token out of %#v.
func (t Token) GoString() string { return t.String() }

// Format keeps the secrets of a Token out of every verb, %d and %x included.
func (t Token) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, t.String()) }

// String keeps the client secret of an Endpoint out of logs and error strings.
func (e Endpoint) String() string {
	return fmt.Sprintf("oauthflow.Endpoint{token URL %q, client %q, secret redacted}", e.TokenURL, e.ClientID)
}

// GoString keeps the client secret out of %#v.
func (e Endpoint) GoString() string { return e.String() }

// Format keeps the client secret out of every verb.
func (e Endpoint) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, e.String()) }

// TokenError is a failed token request: an error response (RFC 6749 section
// 5.2), a non-JSON answer, or no answer at all (Status 0).
type TokenError struct {
	// Status is the HTTP status, 0 when no response arrived.
	Status int
	// Code is the OAuth error code (invalid_grant, invalid_client, ...) if it
	// is made of [a-z_], "invalid" if it is not, "" if there was none.
	Code string
	// Description is error_description with control characters, echoed
	// credentials and token-shaped strings removed, cut to 300 characters.
	// Microsoft says not to branch on its text; use ErrorCodes.
	Description string
	// ErrorCodes are Microsoft's AADSTS numbers (error_codes).
	ErrorCodes []int
	// Suberror is Microsoft's suberror (consent_required, bad_token, ...).
	Suberror string
	// RetryAfter is the Retry-After header, at most an hour; 0 if absent.
	RetryAfter time.Duration
	// Transient is true for 5xx, 408, 429, temporarily_unavailable,
	// server_error, non-JSON answers (captive portals, proxies) and network
	// failures: try again later and keep the refresh token. It is never true
	// for invalid_grant.
	Transient bool
	// Err is the underlying error: the network error when Status is 0,
	// one wrapping ErrBadTokenResponse for an unusable 200 (a non-JSON one
	// is still Transient: Refresh tries it again, but callers should not
	// blame the network for it).
	Err error

	// written tells, for Status 0, whether the request had been sent:
	// then the provider may have acted on it.
	written bool
}

func (e *TokenError) Error() string {
	var b strings.Builder
	if e.Status == 0 {
		b.WriteString("token endpoint unreachable")
	} else {
		fmt.Fprintf(&b, "token endpoint answered HTTP %d", e.Status)
	}
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if len(e.ErrorCodes) > 0 {
		b.WriteString(" (AADSTS")
		for i, c := range e.ErrorCodes {
			if i > 0 {
				b.WriteString(", AADSTS")
			}
			b.WriteString(strconv.Itoa(c))
		}
		b.WriteString(")")
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %v)", e.RetryAfter)
	}
	return b.String()
}

// Unwrap returns Err.
func (e *TokenError) Unwrap() error { return e.Err }

// IsTransient reports whether err is worth retrying later with the same
// refresh token: a *TokenError with Transient set, or a network error. A
// cancelled context is not transient.
func IsTransient(err error) bool {
	var te *TokenError
	if errors.As(err, &te) {
		return te.Transient
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded)
}

const (
	// maxTokenBody caps a token endpoint's answer.
	maxTokenBody = 1 << 20
	// maxExpiresIn is the longest expires_in accepted.
	maxExpiresIn = 365 * 24 * time.Hour
	// maxRetryAfter caps TokenError.RetryAfter.
	maxRetryAfter = time.Hour
	// refreshAttempts is how often Refresh tries in all.
	refreshAttempts = 3
	// maxRetryWait is the longest Refresh waits between attempts; a longer
	// Retry-After ends the retries and is left to the caller.
	maxRetryWait = 30 * time.Second
)

// defaultHTTPTimeout bounds one request to a provider, answer included.
const defaultHTTPTimeout = 30 * time.Second

// HTTPTimeout is how long one request to a provider may take in all: 30 s,
// or the Go duration in LATCHKEY_HTTP_TIMEOUT when it is valid and
// positive (tests use a short one to show that a hung provider is given up
// on; a person on a slow link may want a longer one).
func HTTPTimeout() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("LATCHKEY_HTTP_TIMEOUT")); err == nil && d > 0 {
		return d
	}
	return defaultHTTPTimeout
}

// NewHTTPClient returns a client for token endpoints with a deadline on
// every stage (x/oauth2 and http.DefaultClient have none): 10 s to connect,
// 10 s for TLS, 20 s for the response headers, HTTPTimeout (30 s) in all,
// each stage cut to HTTPTimeout when that is shorter. It follows no
// redirects, honours the proxy environment variables and needs TLS 1.2.
func NewHTTPClient() *http.Client {
	total := HTTPTimeout()
	dialer := &net.Dialer{Timeout: min(10*time.Second, total), KeepAlive: 30 * time.Second}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout:   min(10*time.Second, total),
			ResponseHeaderTimeout: min(20*time.Second, total),
			ExpectContinueTimeout: time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConns:          4,
		},
		Timeout:       total,
		CheckRedirect: refuseRedirect,
	}
}

var defaultClient = sync.OnceValue(NewHTTPClient)

// refuseRedirect stops the client at a redirect: following one would post
// the code or refresh token to wherever the Location points.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Exchange redeems the authorization code of g (grant_type
// authorization_code with the PKCE verifier and the redirect URI as sent).
// client nil means a shared NewHTTPClient. It does not retry: a code is
// single use, and a second redemption may make the provider revoke what the
// first one issued; start a new sign-in instead.
func (e Endpoint) Exchange(ctx context.Context, client *http.Client, g *Grant) (*Token, error) {
	if g == nil || g.Code == "" {
		return nil, errors.New("redeem authorization code: no code")
	}
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {g.Code},
		"redirect_uri":  {g.RedirectURI},
		"code_verifier": {g.Verifier},
	}
	if len(g.Scopes) > 0 {
		form.Set("scope", strings.Join(g.Scopes, " "))
	}
	tok, err := e.post(ctx, client, form, g.Code, g.Verifier)
	if err != nil {
		return nil, fmt.Errorf("redeem authorization code: %w", err)
	}
	return tok, nil
}

// Refresh redeems a refresh token (grant_type refresh_token), sending scope
// when scopes is not empty: Microsoft issues one resource's token per
// request and picks it by the scopes. client nil means a shared
// NewHTTPClient.
//
// Retry policy: up to 3 attempts in all, only for transient failures that
// the provider cannot have acted on (5xx, 408, 429, temporarily_unavailable,
// a connection that failed before the request was written), waiting about
// 0.5 s then 1 s with jitter, or Retry-After when longer; a Retry-After above
// 30 s ends the retries at once. invalid_grant and other 4xx are never
// retried. A request lost after it was sent is not retried (a rotating
// provider may have consumed the refresh token); it is returned as
// transient for the caller to try later.
func (e Endpoint) Refresh(ctx context.Context, client *http.Client, refreshToken string, scopes []string) (*Token, error) {
	if refreshToken == "" {
		return nil, errors.New("refresh token: no refresh token")
	}
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {refreshToken},
	}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	for attempt := 1; ; attempt++ {
		tok, err := e.post(ctx, client, form, refreshToken)
		if err == nil {
			return tok, nil
		}
		var te *TokenError
		if attempt >= refreshAttempts || !errors.As(err, &te) || !te.Transient || (te.Status == 0 && te.written) {
			return nil, fmt.Errorf("refresh token: %w", err)
		}
		wait := backoff(attempt)
		if te.RetryAfter > maxRetryWait {
			return nil, fmt.Errorf("refresh token: %w", err)
		}
		wait = max(wait, te.RetryAfter)
		if serr := sleep(ctx, wait); serr != nil {
			return nil, fmt.Errorf("refresh token: %w", err)
		}
	}
}

// backoff is the jittered wait before attempt+1: 0.5 s, 1 s, ... each
// times a random factor in [0.5, 1.5).
var backoff = func(attempt int) time.Duration {
	base := 500 * time.Millisecond << (attempt - 1)
	return base/2 + rand.N(base)
}

// sleep waits d or until ctx ends; tests replace it.
var sleep = func(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// post sends one token request. secrets are scrubbed from any description
// the provider echoes back.
func (e Endpoint) post(ctx context.Context, client *http.Client, form url.Values, secrets ...string) (*Token, error) {
	u, err := endpointURL(e.TokenURL)
	if err != nil {
		return nil, fmt.Errorf("token endpoint: %w", err)
	}
	if e.ClientID == "" {
		return nil, errors.New("token endpoint: no client ID")
	}
	var user, pass string
	if e.AuthStyle == AuthBasic && e.ClientSecret != "" {
		user, pass = url.QueryEscape(e.ClientID), url.QueryEscape(e.ClientSecret)
	} else {
		form = cloneValues(form)
		form.Set("client_id", e.ClientID)
		if e.ClientSecret != "" {
			form.Set("client_secret", e.ClientSecret)
		}
	}
	if e.ClientSecret != "" {
		secrets = append(secrets, e.ClientSecret)
	}

	resp, body, sent, err := postForm(ctx, client, u, form, user, pass, e.now)
	if err != nil {
		return nil, err
	}
	return parseTokenResponse(resp.StatusCode, resp.Header, body, sent, secrets...)
}

// postForm posts form to u (with HTTP Basic authentication when user is
// set), without following redirects, and reads up to maxTokenBody+1 bytes
// of the answer. A failure is the context's error when cancelled, else a
// transient *TokenError that says whether the request went out. The token
// and revocation requests share it.
func postForm(ctx context.Context, client *http.Client, u *url.URL, form url.Values, user, pass string, now func() time.Time) (*http.Response, []byte, time.Time, error) {
	var written atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { written.Store(true) },
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, nil, time.Time{}, fmt.Errorf("build the request to %s: %w", u.Redacted(), err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	if client == nil {
		client = defaultClient()
	}
	c := *client
	c.CheckRedirect = refuseRedirect

	sent := now()
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() == context.Canceled {
			return nil, nil, sent, err
		}
		return nil, nil, sent, &TokenError{Transient: true, Err: err, written: written.Load()}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenBody+1))
	if err != nil {
		return nil, nil, sent, &TokenError{Status: resp.StatusCode, Transient: true, Err: fmt.Errorf("reading response: %w", err)}
	}
	return resp, body, sent, nil
}

func cloneValues(v url.Values) url.Values {
	c := make(url.Values, len(v)+2)
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

// parseTokenResponse turns a token endpoint's answer into a Token or an
// error. sent is when the request left, the base of Expiry.
func parseTokenResponse(status int, h http.Header, body []byte, sent time.Time, secrets ...string) (*Token, error) {
	if len(body) > maxTokenBody {
		err := fmt.Errorf("body larger than %d bytes", maxTokenBody)
		if status == http.StatusOK {
			// ErrBadTokenResponse is for 200 answers only: callers take it
			// for the provider's fault, not the network's.
			err = fmt.Errorf("%w: %w", ErrBadTokenResponse, err)
		}
		return nil, &TokenError{Status: status, Transient: status >= 500, Err: err}
	}
	if status != http.StatusOK {
		return nil, parseTokenError(status, h, body, sent, secrets)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrBadTokenResponse}, args...)...)
	}
	obj, err := decodeObject(body)
	if err != nil {
		if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '{' {
			// The provider's own JSON, broken: asking again will not help.
			return nil, bad("%v", err)
		}
		// A captive portal or proxy page: worth trying again later.
		return nil, &TokenError{Status: status, Transient: true,
			Err: fmt.Errorf("%w: %s, not a JSON object", ErrBadTokenResponse, describeBody(h, body))}
	}
	t := &Token{TokenType: "Bearer"}
	var ok bool
	if t.AccessToken, ok, err = stringMember(obj, "access_token"); err != nil {
		return nil, bad("%v", err)
	} else if !ok || t.AccessToken == "" {
		return nil, bad("no access_token")
	}
	// A token outside RFC 6750's alphabet could end a header or a line
	// where it is printed: the provider's answer is unusable, not a
	// passing failure.
	if !IsB64Token(t.AccessToken) {
		return nil, &TokenError{Status: status, Err: bad("access_token has characters outside RFC 6750's token alphabet")}
	}
	// RFC 6749 section 5.1 makes token_type required; a missing or other
	// type (DPoP, MAC) is not something this client can use.
	if tt, _, err := stringMember(obj, "token_type"); err != nil {
		return nil, bad("%v", err)
	} else if !strings.EqualFold(tt, "bearer") {
		return nil, bad("token_type is not Bearer")
	}
	d, err := expiresIn(obj["expires_in"])
	if err != nil {
		return nil, bad("%v", err)
	}
	t.Expiry = sent.Add(d)
	if t.RefreshToken, _, err = stringMember(obj, "refresh_token"); err != nil {
		return nil, bad("%v", err)
	} else if t.RefreshToken != "" && !IsB64Token(t.RefreshToken) {
		return nil, &TokenError{Status: status, Err: bad("refresh_token has characters outside RFC 6750's token alphabet")}
	}
	if t.IDToken, _, err = stringMember(obj, "id_token"); err != nil {
		return nil, bad("%v", err)
	}
	if scope, ok, err := stringMember(obj, "scope"); err != nil {
		return nil, bad("%v", err)
	} else if ok {
		t.Scopes = append([]string{}, strings.Fields(scope)...)
	}
	for k, v := range obj {
		switch k {
		case "access_token", "token_type", "expires_in", "refresh_token", "id_token", "scope":
			continue
		}
		lk := strings.ToLower(k)
		if strings.Contains(lk, "token") || strings.Contains(lk, "secret") || strings.Contains(lk, "code") ||
			strings.Contains(lk, "key") || strings.Contains(lk, "password") {
			continue
		}
		var x any
		if json.Unmarshal(v, &x) == nil {
			if t.Raw == nil {
				t.Raw = make(map[string]any)
			}
			t.Raw[k] = x
		}
	}
	return t, nil
}

// parseTokenError builds the TokenError of a non-200 answer.
func parseTokenError(status int, h http.Header, body []byte, now time.Time, secrets []string) *TokenError {
	te := &TokenError{
		Status:     status,
		Transient:  status >= 500 || status == http.StatusTooManyRequests || status == http.StatusRequestTimeout,
		RetryAfter: retryAfter(h.Get("Retry-After"), now),
	}
	obj, err := decodeObject(body)
	code, ok, _ := stringMember(obj, "error")
	if err != nil || !ok {
		if status >= 300 && status < 400 {
			te.Err = errors.New("redirect refused")
		} else {
			te.Err = fmt.Errorf("%s with no OAuth error", describeBody(h, body))
		}
		return te
	}
	te.Code = errorCode(code)
	desc, _, _ := stringMember(obj, "error_description")
	te.Description = sanitizeText(desc, secrets...)
	if sub, ok, _ := stringMember(obj, "suberror"); ok && sub != "" {
		te.Suberror = errorCode(sub)
	}
	var codes []json.Number
	if raw, ok := obj["error_codes"]; ok && json.Unmarshal(raw, &codes) == nil {
		for _, n := range codes[:min(len(codes), 16)] {
			if i, err := n.Int64(); err == nil && i >= 0 && i <= 1<<31 {
				te.ErrorCodes = append(te.ErrorCodes, int(i))
			}
		}
	}
	switch te.Code {
	case "temporarily_unavailable", "server_error":
		te.Transient = true
	case "invalid_grant":
		te.Transient = false
	}
	return te
}

// describeBody says what a non-JSON body was without quoting it (it may
// echo a credential).
func describeBody(h http.Header, body []byte) string {
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) == 0:
		return "empty body"
	case trimmed[0] == '<':
		return "HTML or XML body"
	}
	ct, _, _ := strings.Cut(h.Get("Content-Type"), ";")
	ct = strings.ToLower(strings.TrimSpace(ct))
	if ct == "" || len(ct) > 64 || strings.TrimLeft(ct, "abcdefghijklmnopqrstuvwxyz0123456789/+.-") != "" {
		return "body"
	}
	return "body of type " + ct
}

// decodeObject decodes one JSON object, refusing duplicate members (two
// parsers could pick different ones) and trailing data.
func decodeObject(body []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	obj := make(map[string]json.RawMessage)
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, errors.New("bad JSON")
		}
		k, _ := t.(string)
		if _, dup := obj[k]; dup {
			return nil, errors.New("duplicate member")
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, errors.New("bad JSON")
		}
		obj[k] = v
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, errors.New("bad JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return obj, nil
}

// stringMember reads an optional string member; null counts as absent.
func stringMember(obj map[string]json.RawMessage, k string) (s string, ok bool, err error) {
	raw, ok := obj[k]
	if !ok || string(raw) == "null" {
		return "", false, nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, fmt.Errorf("%s is not a string", k)
	}
	return s, true, nil
}

// assumedLifetime is the lifetime of an access token whose response has
// no expires_in (RFC 6749 only recommends it): short, so a token is
// renewed early rather than handed out dead.
const assumedLifetime = 15 * time.Minute

// expiresIn reads expires_in: a JSON number or a string of digits (some
// providers quote it), in (0, 1 year]; absent means assumedLifetime.
func expiresIn(raw json.RawMessage) (time.Duration, error) {
	if raw == nil {
		return assumedLifetime, nil
	}
	if string(raw) == "null" {
		return 0, errors.New("expires_in is null")
	}
	s := string(raw)
	if len(s) >= 2 && s[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, errors.New("expires_in is not a number")
		}
	}
	// Digits, optionally a fraction: no sign, exponent, hex, Inf or NaN.
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if intPart == "" || len(intPart) > 10 || !allDigits(intPart) || (hasFrac && (frac == "" || !allDigits(frac))) {
		return 0, errors.New("expires_in is not a positive number")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, errors.New("expires_in is not a number")
	}
	d := time.Duration(f * float64(time.Second))
	if d <= 0 || d > maxExpiresIn {
		return 0, errors.New("expires_in out of range")
	}
	return d, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// retryAfter parses Retry-After (seconds or an HTTP date) into a wait
// capped at maxRetryAfter; 0 if absent, bad or past.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if allDigits(v) {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}
