package oauthflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// stubToken is a token endpoint that answers from a list, one reply per
// request (the last one repeats), and records the forms it got.
type stubToken struct {
	mu      sync.Mutex
	replies []reply
	forms   []url.Values
	auth    []string
}

type reply struct {
	status int
	header map[string]string
	body   string
}

func (s *stubToken) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		http.Error(w, "bad request shape", 400)
		return
	}
	r.ParseForm()
	s.forms = append(s.forms, r.PostForm)
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	rep := s.replies[min(len(s.forms), len(s.replies))-1]
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(rep.status)
	io.WriteString(w, rep.body)
}

func (s *stubToken) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.forms)
}

// noSleep replaces the retry wait and records it.
func noSleep(t *testing.T) *[]time.Duration {
	var waits []time.Duration
	old := sleep
	sleep = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return ctx.Err() }
	t.Cleanup(func() { sleep = old })
	return &waits
}

const (
	msSuccess     = `{"token_type":"Bearer","scope":"https://outlook.office.com/IMAP.AccessAsUser.All openid profile email","expires_in":3599,"ext_expires_in":3599,"access_token":"at-ms","refresh_token":"rt-ms-rotated","id_token":"id.tok.en"}`
	googleRefresh = `{"access_token":"ya29.at","expires_in":"3599","scope":"https://mail.google.com/","token_type":"bearer"}`
	msInvalid     = `{"error":"invalid_grant","error_description":"AADSTS700082: The refresh token has expired due to inactivity. rt-old-refresh-token was issued on 2024\r\nTrace ID: 0d1e2f3a-0000-4000-8000-000000000000","error_codes":[700082],"timestamp":"2025-01-01 00:00:00Z","trace_id":"0d1e2f3a-0000-4000-8000-000000000000","correlation_id":"x","error_uri":"https://login.test/error?code=700082","suberror":"bad_token"}`
	googleInvalid = `{"error":"invalid_grant","error_description":"Token has been expired or revoked."}`
)

func TestTokenResponses(t *testing.T) {
	year := 365 * 24 * 3600
	tests := []struct {
		name    string
		replies []reply
		check   func(t *testing.T, tok *Token)
		want    *TokenError // compared on Status, Code, ErrorCodes, Suberror, Transient, RetryAfter
		wantIs  error
		tries   int // requests expected (refresh); 0 means 1
	}{
		{name: "microsoft rotation", replies: []reply{{200, nil, msSuccess}}, check: func(t *testing.T, tok *Token) {
			if tok.AccessToken != "at-ms" || tok.RefreshToken != "rt-ms-rotated" || tok.IDToken != "id.tok.en" || tok.TokenType != "Bearer" {
				t.Errorf("token fields %+v", *tok)
			}
			if want := []string{"https://outlook.office.com/IMAP.AccessAsUser.All", "openid", "profile", "email"}; !reflect.DeepEqual(tok.Scopes, want) {
				t.Errorf("scopes %q", tok.Scopes)
			}
			if tok.Raw["ext_expires_in"] != float64(3599) || len(tok.Raw) != 1 {
				t.Errorf("raw %v", tok.Raw)
			}
		}},
		{name: "google without refresh token", replies: []reply{{200, nil, googleRefresh}}, check: func(t *testing.T, tok *Token) {
			if tok.RefreshToken != "" || tok.TokenType != "Bearer" || len(tok.Scopes) != 1 {
				t.Errorf("token %+v", *tok)
			}
		}},
		{name: "no scope member", replies: []reply{{200, nil, `{"access_token":"a","token_type":"Bearer","expires_in":60}`}},
			check: func(t *testing.T, tok *Token) {
				if tok.Scopes != nil {
					t.Errorf("scopes %q, want nil", tok.Scopes)
				}
			}},
		{name: "secret-looking extras dropped", replies: []reply{{200, nil, `{"access_token":"a","token_type":"Bearer","expires_in":60,"foci":"1","refresh_token_expires_in":5,"client_secret":"s"}`}},
			check: func(t *testing.T, tok *Token) {
				if len(tok.Raw) != 1 || tok.Raw["foci"] != "1" {
					t.Errorf("raw %v", tok.Raw)
				}
			}},
		{name: "microsoft invalid_grant", replies: []reply{{400, nil, msInvalid}},
			want: &TokenError{Status: 400, Code: "invalid_grant", ErrorCodes: []int{700082}, Suberror: "bad_token"}},
		{name: "google invalid_grant", replies: []reply{{400, nil, googleInvalid}},
			want: &TokenError{Status: 400, Code: "invalid_grant"}},
		{name: "invalid_client 401", replies: []reply{{401, nil, `{"error":"invalid_client"}`}},
			want: &TokenError{Status: 401, Code: "invalid_client"}},
		{name: "500 retried then fails", replies: []reply{{500, map[string]string{"Content-Type": "text/html"}, "<html>oops</html>"}},
			want: &TokenError{Status: 500, Transient: true}, tries: 3},
		{name: "503 then success", replies: []reply{{503, nil, `{"error":"temporarily_unavailable"}`}, {200, nil, msSuccess}},
			check: func(t *testing.T, tok *Token) {}, tries: 2},
		{name: "429 short Retry-After retried", replies: []reply{{429, map[string]string{"Retry-After": "2"}, ""}, {200, nil, msSuccess}},
			check: func(t *testing.T, tok *Token) {}, tries: 2},
		{name: "429 long Retry-After not retried", replies: []reply{{429, map[string]string{"Retry-After": "120"}, ""}},
			want: &TokenError{Status: 429, Transient: true, RetryAfter: 2 * time.Minute}},
		{name: "HTML with 200", replies: []reply{{200, map[string]string{"Content-Type": "text/html"}, "<html><body>Log in to the Wi-Fi</body></html>"}},
			want: &TokenError{Status: 200, Transient: true}, wantIs: ErrBadTokenResponse, tries: 3},
		{name: "empty 200", replies: []reply{{200, nil, ""}},
			want: &TokenError{Status: 200, Transient: true}, wantIs: ErrBadTokenResponse, tries: 3},
		{name: "huge body", replies: []reply{{200, nil, `{"access_token":"` + strings.Repeat("a", 2<<20) + `"}`}},
			wantIs: ErrBadTokenResponse},
		{name: "redirect not followed", replies: []reply{{307, map[string]string{"Location": "http://127.0.0.1:1/steal"}, ""}},
			want: &TokenError{Status: 307}},
		{name: "missing access_token", replies: []reply{{200, nil, `{"token_type":"Bearer","expires_in":60}`}}, wantIs: ErrBadTokenResponse},
		{name: "access_token wrong type", replies: []reply{{200, nil, `{"access_token":7,"token_type":"Bearer","expires_in":60}`}}, wantIs: ErrBadTokenResponse},
		{name: "token_type MAC", replies: []reply{{200, nil, `{"access_token":"a","token_type":"mac","expires_in":60}`}}, wantIs: ErrBadTokenResponse},
		{name: "token_type missing", replies: []reply{{200, nil, `{"access_token":"a","expires_in":60}`}}, wantIs: ErrBadTokenResponse},
		{name: "duplicate member", replies: []reply{{200, nil, `{"access_token":"a","access_token":"b","token_type":"Bearer","expires_in":60}`}}, wantIs: ErrBadTokenResponse},
		{name: "trailing data", replies: []reply{{200, nil, `{"access_token":"a","token_type":"Bearer","expires_in":60}{}`}}, wantIs: ErrBadTokenResponse},
	}
	for _, bad := range []string{`0`, `-5`, `"-5"`, `1e3`, `"abc"`, `null`, `true`, fmt.Sprint(year + 1), `"NaN"`, `"Inf"`, `99999999999999`, `""`, `[60]`} {
		tests = append(tests, struct {
			name    string
			replies []reply
			check   func(t *testing.T, tok *Token)
			want    *TokenError
			wantIs  error
			tries   int
		}{name: "expires_in " + bad, replies: []reply{{200, nil, `{"access_token":"a","token_type":"Bearer","expires_in":` + bad + `}`}}, wantIs: ErrBadTokenResponse})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			waits := noSleep(t)
			stub := &stubToken{replies: tt.replies}
			srv := httptest.NewServer(stub)
			defer srv.Close()
			e := Endpoint{TokenURL: srv.URL + "/token", ClientID: "client-1"}
			before := time.Now()
			tok, err := e.Refresh(context.Background(), nil, "rt-old-refresh-token", []string{"https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"})
			tries := max(tt.tries, 1)
			if got := stub.requests(); got != tries {
				t.Errorf("%d requests, want %d", got, tries)
			}
			if len(*waits) != tries-1 {
				t.Errorf("%d waits for %d requests", len(*waits), tries)
			}
			if tt.check != nil {
				if err != nil {
					t.Fatalf("Refresh: %v", err)
				}
				if tok.Expiry.Before(before.Add(59*time.Second)) || tok.Expiry.After(time.Now().Add(time.Hour)) {
					t.Errorf("expiry %v not from expires_in", tok.Expiry)
				}
				tt.check(t, tok)
				return
			}
			if err == nil {
				t.Fatalf("Refresh succeeded, want an error")
			}
			if strings.Contains(err.Error(), "rt-old-refresh-token") || strings.Contains(err.Error(), "aaaaaaaaaa") {
				t.Errorf("error leaks the request or body: %v", err)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("err = %v, want %v", err, tt.wantIs)
			}
			if tt.want != nil {
				var te *TokenError
				if !errors.As(err, &te) {
					t.Fatalf("err = %v, want *TokenError", err)
				}
				if te.Status != tt.want.Status || te.Code != tt.want.Code || !reflect.DeepEqual(te.ErrorCodes, tt.want.ErrorCodes) ||
					te.Suberror != tt.want.Suberror || te.Transient != tt.want.Transient || te.RetryAfter != tt.want.RetryAfter {
					t.Errorf("TokenError %+v, want %+v", *te, *tt.want)
				}
				if IsTransient(err) != tt.want.Transient {
					t.Errorf("IsTransient = %v", IsTransient(err))
				}
			}
		})
	}
}

func TestRefreshSendsScopeAndClient(t *testing.T) {
	stub := &stubToken{replies: []reply{{200, nil, msSuccess}}}
	srv := httptest.NewServer(stub)
	defer srv.Close()
	scopes := []string{"https://graph.test/Mail.Read", "offline_access"}
	if _, err := (Endpoint{TokenURL: srv.URL, ClientID: "cid"}).Refresh(context.Background(), nil, "rt", scopes); err != nil {
		t.Fatal(err)
	}
	if _, err := (Endpoint{TokenURL: srv.URL, ClientID: "cid", ClientSecret: "s3cret&x"}).Refresh(context.Background(), srv.Client(), "rt", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := (Endpoint{TokenURL: srv.URL, ClientID: "c:id", ClientSecret: "s3cret&x", AuthStyle: AuthBasic}).Refresh(context.Background(), nil, "rt", nil); err != nil {
		t.Fatal(err)
	}
	want := []url.Values{
		{"grant_type": {"refresh_token"}, "refresh_token": {"rt"}, "scope": {"https://graph.test/Mail.Read offline_access"}, "client_id": {"cid"}},
		{"grant_type": {"refresh_token"}, "refresh_token": {"rt"}, "client_id": {"cid"}, "client_secret": {"s3cret&x"}},
		{"grant_type": {"refresh_token"}, "refresh_token": {"rt"}},
	}
	if !reflect.DeepEqual(stub.forms, want) {
		t.Errorf("forms\n%v\nwant\n%v", stub.forms, want)
	}
	req, _ := http.NewRequest("POST", "/", nil)
	req.SetBasicAuth("c%3Aid", "s3cret%26x")
	if stub.auth[2] != req.Header.Get("Authorization") || stub.auth[0] != "" {
		t.Errorf("authorization headers %q", stub.auth)
	}
}

func TestExchange(t *testing.T) {
	waits := noSleep(t)
	stub := &stubToken{replies: []reply{{200, nil, msSuccess}}}
	srv := httptest.NewServer(stub)
	defer srv.Close()
	e := Endpoint{TokenURL: srv.URL, ClientID: "cid"}
	g := &Grant{Code: "the-code", RedirectURI: "http://127.0.0.1:4242/", Verifier: "v", Nonce: "n"}
	tok, err := e.Exchange(context.Background(), nil, g)
	if err != nil || tok.RefreshToken != "rt-ms-rotated" {
		t.Fatalf("Exchange = %v, %v", tok, err)
	}
	want := url.Values{"grant_type": {"authorization_code"}, "code": {"the-code"}, "redirect_uri": {"http://127.0.0.1:4242/"},
		"code_verifier": {"v"}, "client_id": {"cid"}}
	if !reflect.DeepEqual(stub.forms[0], want) {
		t.Errorf("form %v", stub.forms[0])
	}

	// A code is never redeemed twice, even after a transient failure.
	stub.replies = []reply{{503, nil, ""}}
	if _, err := e.Exchange(context.Background(), nil, g); !IsTransient(err) || stub.requests() != 2 || len(*waits) != 0 {
		t.Errorf("Exchange after 503: %v, %d requests", err, stub.requests())
	}
	// Codes echoed in a description are redacted.
	stub.replies = []reply{{400, nil, `{"error":"invalid_grant","error_description":"code the-code was already redeemed"}`}}
	if _, err := e.Exchange(context.Background(), nil, &Grant{Code: "the-code-12345", RedirectURI: "x", Verifier: "v"}); err == nil ||
		strings.Contains(err.Error(), "the-code-12345") {
		t.Errorf("Exchange error %v", err)
	}
	stub.replies = []reply{{400, nil, `{"error":"invalid_grant","error_description":"code the-code-12345 was already redeemed"}`}}
	if _, err := e.Exchange(context.Background(), nil, &Grant{Code: "the-code-12345", RedirectURI: "x", Verifier: "v"}); err == nil ||
		strings.Contains(err.Error(), "the-code-12345") || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("Exchange error %v", err)
	}
}

func TestTokenEndpointURL(t *testing.T) {
	for _, u := range []string{"http://token.test/token", "ftp://x/", "", "https://user:pw@token.test/"} {
		if _, err := (Endpoint{TokenURL: u, ClientID: "c"}).Refresh(context.Background(), nil, "rt", nil); err == nil || IsTransient(err) {
			t.Errorf("%q: err = %v", u, err)
		}
	}
}

func TestRefreshNetworkErrors(t *testing.T) {
	waits := noSleep(t)
	// Connection refused: nothing was sent, so retrying is safe.
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = (Endpoint{TokenURL: "http://" + addr + "/", ClientID: "c"}).Refresh(context.Background(), nil, "rt", nil)
	if !IsTransient(err) || len(*waits) != 2 {
		t.Errorf("refused: %v after %d waits", err, len(*waits))
	}

	// The connection drops after the request was sent: the provider may
	// have rotated the token, so no retry, but the error is transient.
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		io.ReadAll(r.Body)
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}))
	defer srv.Close()
	*waits = nil
	_, err = (Endpoint{TokenURL: srv.URL, ClientID: "c"}).Refresh(context.Background(), nil, "rt", nil)
	mu.Lock()
	defer mu.Unlock()
	if !IsTransient(err) || n != 1 || len(*waits) != 0 {
		t.Errorf("dropped: %v after %d requests", err, n)
	}

	// Cancelled by the caller: not transient, no retry.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = (Endpoint{TokenURL: srv.URL, ClientID: "c"}).Refresh(ctx, nil, "rt", nil)
	if !errors.Is(err, context.Canceled) || IsTransient(err) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"7":                             7 * time.Second,
		"-3":                            0,
		"999999999999999999999":         time.Hour,
		"Wed, 01 Jan 2025 00:00:30 GMT": 30 * time.Second,
		"Tue, 31 Dec 2024 00:00:00 GMT": 0,
		"Thu, 01 Jan 2026 00:00:00 GMT": time.Hour,
		"soon":                          0,
	} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestNewHTTPClient(t *testing.T) {
	c := NewHTTPClient()
	tr := c.Transport.(*http.Transport)
	if c.Timeout == 0 || tr.TLSHandshakeTimeout == 0 || tr.ResponseHeaderTimeout == 0 || c.CheckRedirect == nil {
		t.Errorf("client without timeouts: %+v", c)
	}
}

func TestSanitizeText(t *testing.T) {
	jwt := "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl"
	for in, want := range map[string]string{
		"AADSTS700082: expired.\r\nTrace ID: 0d1e2f3a-0000-4000-8000-000000000000": "AADSTS700082: expired. Trace ID: 0d1e2f3a-0000-4000-8000-000000000000",
		"bad \x1b[31mred\u202e\x00":                "bad [31mred",
		"token " + jwt + " leaked":                 "token [redacted] leaked",
		"see https://login.test/common/v2.0/x?y=1": "see https://login.test/common/v2.0/x?y=1",
		"\xff\xfeok": "ok",
	} {
		if got := sanitizeText(in); got != want {
			t.Errorf("sanitizeText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := sanitizeText("the value hunter2-secret here", "hunter2-secret"); got != "the value [redacted] here" {
		t.Errorf("secret not scrubbed: %q", got)
	}
}

func TestSecretsNotFormatted(t *testing.T) {
	g := Grant{Code: "c0de-value", Verifier: "v3rifier-value", Nonce: "n0nce-value"}
	tok := Token{AccessToken: "acc3ss-value", RefreshToken: "r3fresh-value", IDToken: "id-value"}
	s := fmt.Sprintf("%v %+v %#v %v %+v %#v", g, &g, g, tok, &tok, tok)
	for _, secret := range []string{"c0de", "v3rifier", "n0nce", "acc3ss", "r3fresh", "id-value"} {
		if strings.Contains(s, secret) {
			t.Errorf("formatting shows %s: %s", secret, s)
		}
	}
	// Every verb, on values and pointers: a struct without Format prints
	// its fields for %d or %x.
	ep := Endpoint{TokenURL: "https://login.example/token", ClientID: "client", ClientSecret: "cl1ent-s3cret"}
	for _, v := range []any{g, &g, tok, &tok, ep, &ep} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %[1]v"} {
			s := fmt.Sprintf(verb, v)
			for _, secret := range []string{"c0de", "v3rifier", "n0nce", "acc3ss", "r3fresh", "id-value", "s3cret",
				fmt.Sprintf("%x", "acc3ss"), fmt.Sprintf("%x", "r3fresh"), fmt.Sprintf("%x", "cl1ent")} {
				if strings.Contains(s, secret) {
					t.Errorf("%s of %T shows %s: %s", verb, v, secret, s)
				}
			}
		}
	}
}

// TestMissingExpiresIn: RFC 6749 only recommends expires_in; without it
// the token is assumed short-lived rather than refused.
func TestMissingExpiresIn(t *testing.T) {
	got, err := expiresIn(nil)
	if err != nil || got != assumedLifetime {
		t.Fatalf("expiresIn(absent) = %v, %v; want %v", got, err, assumedLifetime)
	}
}

// TestTokenAlphabet: a token outside RFC 6750's b64token syntax is refused
// when the provider sends it, as an unusable answer (not a passing
// failure), and the error does not quote it.
func TestTokenAlphabet(t *testing.T) {
	for _, tt := range []struct {
		token string
		ok    bool
	}{
		{"eyJ0eXAi.eyJhdWQi.c2ln-_~+/", true},
		{"abc==", true},
		{"ya29.a0Af", true},
		{"", false},
		{"=abc", false},
		{"ab=c", false},
		{"abc\nAuthorization: Bearer x", false},
		{"abc\r\nX-Injected: 1", false},
		{"abc def", false},
		{"abc\x1b[31m", false},
		{"abc\u202e", false},
		{"abc;", false},
	} {
		if got := IsB64Token(tt.token); got != tt.ok {
			t.Errorf("IsB64Token(%q) = %v, want %v", tt.token, got, tt.ok)
		}
	}
	for _, member := range []string{"access_token", "refresh_token"} {
		for _, bad := range []string{"s3cret-part\nX-Injected: yes", "s3cret-part\x1b[2J", "s3cret-part value"} {
			obj := map[string]any{"access_token": "good-access", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "good-refresh"}
			obj[member] = bad
			body, _ := json.Marshal(obj)
			tok, err := parseTokenResponse(200, http.Header{"Content-Type": {"application/json"}}, body, time.Now())
			var te *TokenError
			if tok != nil || !errors.As(err, &te) || te.Transient || !errors.Is(err, ErrBadTokenResponse) {
				t.Errorf("%s %q: got %v, %v; want a non-transient malformed-response TokenError", member, bad, tok, err)
				continue
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("%s: the error quotes the token: %v", member, err)
			}
		}
	}
}

// TestEndpointClock: a token's expiry is dated by the endpoint's clock, not
// the wall clock, so the core's injected Now governs it end to end.
func TestEndpointClock(t *testing.T) {
	stub := &stubToken{replies: []reply{{200, nil, msSuccess}}}
	srv := httptest.NewServer(stub)
	defer srv.Close()
	at := time.Date(2031, 2, 3, 4, 5, 6, 0, time.UTC)
	tok, err := (Endpoint{TokenURL: srv.URL, ClientID: "cid", Now: func() time.Time { return at }}).Refresh(context.Background(), nil, "rt", nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := tok.Expiry.Sub(at); d <= 0 || d > 2*time.Hour {
		t.Errorf("expiry %v is not dated from the endpoint's clock %v", tok.Expiry, at)
	}
}
