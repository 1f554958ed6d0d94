package oauthflow

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

const fuzzState = "fuzz-state-0123456789abcdefghijklmnop"

// FuzzCallback holds the redirect handler to its promises on any request
// line: a static page, no reflection, nothing consumed without the state,
// and sanitized errors.
func FuzzCallback(f *testing.F) {
	f.Add("GET", "/", "code=abc&state="+fuzzState)
	f.Add("GET", "/", "state="+fuzzState+"&error=access_denied&error_description=%3Cscript%3E")
	f.Add("GET", "/", "state="+fuzzState+"&state="+fuzzState+"&code=a")
	f.Add("GET", "/favicon.ico", "")
	f.Add("POST", "/", "code=abc&state="+fuzzState)
	f.Add("GET", "/", "code=%ff%fe&state="+fuzzState+"&iss=x")
	for _, c := range callbackBadInput {
		f.Add(c.method, c.path, c.query)
	}
	f.Fuzz(checkCallback)
}

// checkCallback holds the redirect handler to its promises for one request.
func checkCallback(t *testing.T, method, path, rawQuery string) {
	cb := newCallback(fuzzState, "127.0.0.1:5555", "https://issuer.test", false)
	req := &http.Request{Method: method, Host: "127.0.0.1:5555", Header: http.Header{},
		URL: &url.URL{Path: path, RawQuery: rawQuery}}
	rec := httptest.NewRecorder()
	cb.ServeHTTP(rec, req)
	body := rec.Body.String()
	switch {
	case rec.Code == 200 && body == successPage:
	case (rec.Code == 400 || rec.Code == 403) && body == failurePage:
	case rec.Code == 404 && body == notFoundPage:
	default:
		t.Fatalf("status %d with an unexpected body", rec.Code)
	}
	if rec.Header().Get("Content-Security-Policy") != pageCSP || rec.Header().Get("Location") != "" {
		t.Fatalf("headers %v", rec.Header())
	}
	q, qerr := url.ParseQuery(rawQuery)
	select {
	case res := <-cb.done:
		if qerr != nil || len(q["state"]) != 1 || q.Get("state") != fuzzState || method != "GET" {
			t.Fatalf("flow consumed a request without the state")
		}
		var ce *CallbackError
		switch {
		case res.err == nil:
			if res.code == "" || res.code != q.Get("code") || len(q["code"]) != 1 || rec.Code != 200 {
				t.Fatalf("accepted code %q", res.code)
			}
		case errors.As(res.err, &ce):
			if errorCode(ce.Code) != ce.Code || !utf8.ValidString(ce.Description) ||
				utf8.RuneCountInString(ce.Description) > maxDescription ||
				strings.ContainsFunc(ce.Description, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Fatalf("unsanitized CallbackError %q %q", ce.Code, ce.Description)
			}
		case errors.Is(res.err, ErrBadCallback), errors.Is(res.err, ErrIssuerMismatch):
		default:
			t.Fatalf("unexpected error %v", res.err)
		}
	default:
		if rec.Code == 200 {
			t.Fatalf("success page without a result")
		}
	}
}

// FuzzParseTokenResponse: no panic, a token only with the promised
// properties, and no echo of the secrets in errors.
func FuzzParseTokenResponse(f *testing.F) {
	f.Add(200, "application/json", []byte(msSuccess))
	f.Add(200, "application/json", []byte(googleRefresh))
	f.Add(400, "application/json", []byte(msInvalid))
	f.Add(400, "application/json", []byte(`{"error":"invalid_grant","error_description":"rt-fuzz-secret-value is bad"}`))
	f.Add(200, "text/html", []byte("<html></html>"))
	f.Add(429, "", []byte(""))
	f.Add(200, "application/json", []byte(`{"access_token":"a","token_type":"Bearer","expires_in":"1e9"}`))
	for _, c := range tokenBadInput {
		f.Add(c.status, c.contentType, []byte(c.body))
	}
	f.Fuzz(checkTokenResponse)
}

// fuzzSecret is the refresh token the parsed responses must never echo.
const fuzzSecret = "rt-fuzz-secret-value"

// checkTokenResponse: no panic, a token only with the promised
// properties, and no echo of the secrets in errors.
func checkTokenResponse(t *testing.T, status int, contentType string, body []byte) {
	const secret = fuzzSecret
	sent := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	h := http.Header{"Content-Type": {contentType}, "Retry-After": {"5"}}
	tok, err := parseTokenResponse(status, h, body, sent, secret)
	if err != nil {
		if tok != nil {
			t.Fatal("token and error")
		}
		msg := err.Error()
		if strings.Contains(msg, secret) || len(msg) > 1500 || !utf8.ValidString(msg) {
			t.Fatalf("error string %q", msg)
		}
		return
	}
	if status != 200 || tok.AccessToken == "" || tok.TokenType != "Bearer" ||
		!tok.Expiry.After(sent) || tok.Expiry.After(sent.Add(maxExpiresIn)) {
		t.Fatalf("accepted token %v (status %d)", tok, status)
	}
	for k := range tok.Raw {
		if strings.Contains(strings.ToLower(k), "token") {
			t.Fatalf("Raw keeps %q", k)
		}
	}
}

// FuzzParseIDToken: no panic, and a parsed token has its required claims.
func FuzzParseIDToken(f *testing.F) {
	f.Add(makeJWT(`{"alg":"RS256"}`, baseClaims()))
	f.Add(makeJWT(`{"alg":"none"}`, baseClaims()))
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
	for _, c := range idTokenBadInput {
		f.Add(c.raw)
	}
	f.Fuzz(checkIDToken)
}

// checkIDToken: no panic, a parsed token has its required claims, and an
// error quotes no part of the token.
func checkIDToken(t *testing.T, raw string) {
	c, err := ParseIDToken(raw)
	if err != nil {
		if !errors.Is(err, ErrInvalidIDToken) {
			t.Fatalf("error %v does not wrap ErrInvalidIDToken", err)
		}
		for _, part := range strings.Split(raw, ".") {
			if len(part) >= 16 && strings.Contains(err.Error(), part) {
				t.Fatalf("error quotes the token: %v", err)
			}
		}
		return
	}
	if len(raw) > maxIDToken || c.Issuer == "" || c.Subject == "" || len(c.Audience) == 0 {
		t.Fatalf("accepted %+v", c)
	}
	_ = c.Check(Expect{Issuer: "{tid}", ClientID: "x", Nonce: "n"})
}
