package providertest_test

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/providertest"
)

// Resource scopes in the two shapes Microsoft uses: bare names are
// Microsoft Graph, URI scopes name their resource (a stand-in for the mail
// resource, since tests never name real hosts).
const (
	graphScopes = "openid profile email offline_access Mail.Read User.Read"
	mailIMAP    = "https://mail.test/IMAP.AccessAsUser.All"
	mailSMTP    = "https://mail.test/SMTP.Send"
)

// msSignIn runs the whole loopback sign-in and code redemption.
// The authorize request asks for scope; the redemption for tokenScope, or
// scope when tokenScope is empty.
func msSignIn(t *testing.T, m *providertest.Microsoft, a *app, scope, tokenScope string) (reply, url.Values) {
	t.Helper()
	verifier, challenge := pkce()
	redirect := a.redirect("localhost", "/")
	params := authParams(m.ClientID, redirect, scope, challenge)
	cb := a.signIn(m.AuthorizeURL("common"), params)
	if cb.Get("state") != params.Get("state") || cb.Get("code") == "" {
		t.Fatalf("callback = %v", keysOf(cb))
	}
	r := post(t, m.TokenURL("common"), url.Values{
		"client_id": {m.ClientID}, "grant_type": {"authorization_code"}, "code": {cb.Get("code")},
		"redirect_uri": {redirect}, "code_verifier": {verifier}, "scope": {cmp.Or(tokenScope, scope)},
	})
	if r.status != http.StatusOK {
		t.Fatalf("exchange: %d %s", r.status, r.raw)
	}
	return r, params
}

func keysOf(v url.Values) []string { return slices.Sorted(maps.Keys(v)) }

func msRefresh(t *testing.T, m *providertest.Microsoft, rt, scope string) reply {
	t.Helper()
	form := url.Values{"client_id": {m.ClientID}, "grant_type": {"refresh_token"}, "refresh_token": {rt}}
	if scope != "" {
		form.Set("scope", scope)
	}
	return post(t, m.TokenURL("common"), form)
}

func TestMicrosoftSignInShapes(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	a := newApp(t)
	r, params := msSignIn(t, m, a, graphScopes+" "+mailIMAP, graphScopes)

	want := []string{"access_token", "expires_in", "ext_expires_in", "id_token", "refresh_token", "scope", "token_type"}
	if got := keys(r.body); !slices.Equal(got, want) {
		t.Errorf("keys = %v, want %v", got, want)
	}
	if r.str("token_type") != "Bearer" || r.body["expires_in"] != 3599.0 || r.body["ext_expires_in"] != 3599.0 {
		t.Errorf("body = %s", r.raw)
	}
	if got := r.str("scope"); got != "Mail.Read User.Read openid profile email offline_access" {
		t.Errorf("scope = %q", got)
	}
	if !strings.HasPrefix(r.str("refresh_token"), "1.AX") || len(r.str("refresh_token")) != 1400 {
		t.Errorf("refresh token prefix/len: %.4s %d", r.str("refresh_token"), len(r.str("refresh_token")))
	}
	claims := decodeJWT(t, r.str("id_token"))
	for k, v := range map[string]any{
		"iss": m.URL + "/" + m.TenantID + "/v2.0", "aud": m.ClientID, "tid": m.TenantID,
		"preferred_username": m.Email, "email": m.Email, "nonce": params.Get("nonce"),
	} {
		if claims[k] != v {
			t.Errorf("claim %s = %v, want %v", k, claims[k], v)
		}
	}
	for _, k := range []string{"oid", "sub", "name", "iat", "exp"} {
		if claims[k] == nil {
			t.Errorf("claim %s missing", k)
		}
	}
	info, ok := m.Lookup(r.str("access_token"))
	if !ok || info.Resource != "" || !info.Valid(time.Now()) {
		t.Errorf("Lookup = %+v, %v", info, ok)
	}
	if m.Exchanges() != 1 || m.Refreshes() != 0 {
		t.Errorf("counters = %d, %d", m.Exchanges(), m.Refreshes())
	}
	issued := m.IssuedTokens()
	for _, k := range []string{"access_token", "refresh_token", "id_token"} {
		if !slices.Contains(issued, r.str(k)) {
			t.Errorf("IssuedTokens lacks %s", k)
		}
	}
	if got := m.LastTokenRequest().Get("redirect_uri"); got != a.redirect("localhost", "/") {
		t.Errorf("LastTokenRequest redirect_uri = %q", got)
	}
}

func TestMicrosoftRefreshRotatesAndPicksResource(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	a := newApp(t)
	r, _ := msSignIn(t, m, a, "openid offline_access "+mailIMAP+" "+mailSMTP+" Mail.Read", "openid offline_access Mail.Read")
	rt1 := r.str("refresh_token")

	// Mail resource: only its own scopes, no OpenID scopes echoed.
	r2 := msRefresh(t, m, rt1, mailIMAP+" offline_access")
	if r2.status != 200 {
		t.Fatalf("refresh: %d %s", r2.status, r2.raw)
	}
	if got := r2.str("scope"); got != mailIMAP+" "+mailSMTP {
		t.Errorf("mail scope = %q", got)
	}
	info, _ := m.Lookup(r2.str("access_token"))
	if info.Resource != "https://mail.test/" {
		t.Errorf("resource = %q", info.Resource)
	}
	rt2 := r2.str("refresh_token")
	if rt2 == "" || rt2 == rt1 {
		t.Fatal("refresh token not rotated")
	}
	// Graph with the newest token; the replaced one still works by default.
	for _, rt := range []string{rt2, rt1} {
		if r := msRefresh(t, m, rt, "Mail.Read"); r.status != 200 || r.str("scope") != "Mail.Read" {
			t.Errorf("graph refresh: %d %s", r.status, r.raw)
		}
	}
	if m.Refreshes() != 3 {
		t.Errorf("Refreshes = %d", m.Refreshes())
	}
}

func TestMicrosoftRotatedGrace(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{RotatedGrace: -1})
	r, _ := msSignIn(t, m, newApp(t), graphScopes, "")
	old := r.str("refresh_token")
	if r := msRefresh(t, m, old, ""); r.status != 200 {
		t.Fatalf("first refresh: %d", r.status)
	}
	r2 := msRefresh(t, m, old, "")
	if r2.status != 400 || r2.body["error_codes"].([]any)[0] != 70000.0 {
		t.Errorf("replaced token: %d %s", r2.status, r2.raw)
	}
}

func TestMicrosoftTokenErrors(t *testing.T) {
	tests := []struct {
		name   string
		form   func(s msSetup) url.Values
		before func(s msSetup)
		status int
		err    string
		code   int
		suberr string
	}{
		{"code used twice", func(s msSetup) url.Values {
			f := exchangeForm(s)
			post(t, s.m.TokenURL(""), f)
			return f
		}, nil, 400, "invalid_grant", 54005, ""},
		{"wrong verifier", func(s msSetup) url.Values {
			f := exchangeForm(s)
			f.Set("code_verifier", strings.Repeat("x", 43))
			return f
		}, nil, 400, "invalid_grant", 501481, ""},
		{"redirect differs", func(s msSetup) url.Values {
			f := exchangeForm(s)
			f.Set("redirect_uri", s.redirect+"x")
			return f
		}, nil, 400, "invalid_request", 50011, ""},
		{"unknown client", func(s msSetup) url.Values {
			f := exchangeForm(s)
			f.Set("client_id", "other")
			return f
		}, nil, 400, "unauthorized_client", 700016, ""},
		{"client secret sent", func(s msSetup) url.Values {
			f := exchangeForm(s)
			f.Set("client_secret", "s")
			return f
		}, nil, 401, "invalid_client", 7000215, ""},
		{"mixed resources", func(s msSetup) url.Values {
			f := exchangeForm(s)
			f.Set("scope", "openid Mail.Read "+mailIMAP)
			return f
		}, nil, 400, "invalid_scope", 28000, ""},
		{"unconsented resource", func(s msSetup) url.Values {
			return refreshForm(s, "https://other.test/Files.Read")
		}, nil, 400, "invalid_grant", 65001, "consent_required"},
		{"unknown refresh token", func(s msSetup) url.Values {
			f := refreshForm(s, "")
			f.Set("refresh_token", "0.Agarbage")
			return f
		}, nil, 400, "invalid_grant", 9002313, ""},
		{"revoked", func(s msSetup) url.Values { return refreshForm(s, "") },
			func(s msSetup) { s.m.RevokeAll() }, 400, "invalid_grant", 50173, "bad_token"},
		{"unsupported grant", func(s msSetup) url.Values {
			return url.Values{"client_id": {s.m.ClientID}, "grant_type": {"password"}}
		}, nil, 400, "unsupported_grant_type", 70003, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
			a := newApp(t)
			first, _ := msSignIn(t, m, a, graphScopes+" "+mailIMAP, graphScopes)
			verifier, challenge := pkce()
			redirect := a.redirect("localhost", "")
			cb := a.signIn(m.AuthorizeURL("organizations"), authParams(m.ClientID, redirect, graphScopes, challenge))
			s := msSetup{m: m, code: cb.Get("code"), verifier: verifier, redirect: redirect, rt: first.str("refresh_token")}
			form := tt.form(s)
			if tt.before != nil {
				tt.before(s)
			}
			r := post(t, m.TokenURL("organizations"), form)
			if r.status != tt.status || r.str("error") != tt.err || r.str("suberror") != tt.suberr {
				t.Fatalf("got %d %s", r.status, r.raw)
			}
			checkMicrosoftError(t, r, tt.code)
		})
	}
}

// msSetup is a signed-in user with a fresh, unredeemed code.
type msSetup struct {
	m        *providertest.Microsoft
	code     string
	verifier string
	redirect string
	rt       string
}

func exchangeForm(s msSetup) url.Values {
	return url.Values{
		"client_id": {s.m.ClientID}, "grant_type": {"authorization_code"}, "code": {s.code},
		"redirect_uri": {s.redirect}, "code_verifier": {s.verifier}, "scope": {graphScopes},
	}
}

func refreshForm(s msSetup, scope string) url.Values {
	f := url.Values{"client_id": {s.m.ClientID}, "grant_type": {"refresh_token"}, "refresh_token": {s.rt}}
	if scope != "" {
		f.Set("scope", scope)
	}
	return f
}

// checkMicrosoftError checks the documented error envelope.
func checkMicrosoftError(t *testing.T, r reply, code int) {
	t.Helper()
	desc := r.str("error_description")
	if !strings.HasPrefix(desc, fmt.Sprintf("AADSTS%d: ", code)) ||
		!strings.Contains(desc, "\r\nTrace ID: ") || !strings.Contains(desc, "\r\nCorrelation ID: ") ||
		!strings.Contains(desc, "\r\nTimestamp: ") {
		t.Errorf("error_description = %q", desc)
	}
	codes, _ := r.body["error_codes"].([]any)
	if len(codes) != 1 || codes[0] != float64(code) {
		t.Errorf("error_codes = %v", r.body["error_codes"])
	}
	for _, k := range []string{"timestamp", "trace_id", "correlation_id", "error_uri"} {
		if r.str(k) == "" {
			t.Errorf("%s missing", k)
		}
	}
	if !strings.Contains(desc, r.str("trace_id")) {
		t.Error("trace_id differs from the description's")
	}
}

func TestMicrosoftAuthorize(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	_, challenge := pkce()
	good := func() url.Values {
		return authParams(m.ClientID, "http://localhost:8400", "openid Mail.Read", challenge)
	}
	tests := []struct {
		name   string
		tenant string
		edit   func(url.Values)
		page   int    // an error page instead of a redirect
		err    string // the redirect's error; "" for a code
	}{
		{"ok any port", "common", func(url.Values) {}, 0, ""},
		{"ok slash path", m.TenantID, func(v url.Values) { v.Set("redirect_uri", "http://localhost:1/") }, 0, ""},
		{"unknown tenant", "contoso.test", func(url.Values) {}, 400, ""},
		{"unknown client", "common", func(v url.Values) { v.Set("client_id", "x") }, 400, ""},
		{"127.0.0.1 not registered", "common", func(v url.Values) { v.Set("redirect_uri", "http://127.0.0.1:8400") }, 400, ""},
		{"other path", "common", func(v url.Values) { v.Set("redirect_uri", "http://localhost:8400/cb") }, 400, ""},
		{"https", "common", func(v url.Values) { v.Set("redirect_uri", "https://localhost:8400") }, 400, ""},
		{"plain PKCE", "common", func(v url.Values) { v.Set("code_challenge_method", "plain") }, 0, "invalid_request"},
		{"no PKCE", "common", func(v url.Values) { v.Del("code_challenge"); v.Del("code_challenge_method") }, 0, "invalid_request"},
		{"no state", "common", func(v url.Values) { v.Del("state") }, 0, "invalid_request"},
		{"token response type", "common", func(v url.Values) { v.Set("response_type", "token") }, 0, "unsupported_response_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := good()
			tt.edit(v)
			resp := noFollow(t, m.AuthorizeURL(tt.tenant)+"?"+v.Encode())
			if tt.page != 0 {
				if resp.StatusCode != tt.page || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
					t.Fatalf("status %d, %s", resp.StatusCode, resp.Header.Get("Content-Type"))
				}
				return
			}
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("status %d", resp.StatusCode)
			}
			loc, _ := url.Parse(resp.Header.Get("Location"))
			q := loc.Query()
			if q.Get("state") != v.Get("state") || q.Get("error") != tt.err || (tt.err == "") == (q.Get("code") == "") {
				t.Errorf("redirect query keys %v, error %q", keysOf(q), q.Get("error"))
			}
		})
	}

	t.Run("registered 127.0.0.1", func(t *testing.T) {
		m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{RedirectURIs: []string{"http://127.0.0.1"}})
		v := authParams(m.ClientID, "http://127.0.0.1:9/", "openid", challenge)
		if resp := noFollow(t, m.AuthorizeURL("")+"?"+v.Encode()); resp.StatusCode != http.StatusFound {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
}

func TestMicrosoftFailAuthorize(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	_, challenge := pkce()
	v := authParams(m.ClientID, "http://localhost:8400", "openid Mail.Read", challenge)
	m.FailAuthorize("access_denied", "<script>alert(1)</script>")
	m.FailAuthorizeAADSTS(65001)
	m.FailAuthorizeAADSTS(65004)
	for _, want := range []struct{ err, desc, sub string }{
		{"access_denied", "<script>alert(1)</script>", ""},
		{"consent_required", "AADSTS65001: ", ""},
		{"access_denied", "AADSTS65004: ", "cancel"},
		{"", "", ""},
	} {
		loc, _ := url.Parse(noFollow(t, m.AuthorizeURL("")+"?"+v.Encode()).Header.Get("Location"))
		q := loc.Query()
		if q.Get("error") != want.err || !strings.HasPrefix(q.Get("error_description"), want.desc) ||
			q.Get("error_subcode") != want.sub || q.Get("state") != v.Get("state") {
			t.Errorf("got error=%q description=%q subcode=%q", q.Get("error"), q.Get("error_description"), q.Get("error_subcode"))
		}
	}
}

func TestMicrosoftAuthResponseIssuer(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	_, challenge := pkce()
	v := authParams(m.ClientID, "http://localhost:8400", "openid Mail.Read", challenge)
	issOf := func() (string, bool) {
		loc, _ := url.Parse(noFollow(t, m.AuthorizeURL("")+"?"+v.Encode()).Header.Get("Location"))
		iss, ok := loc.Query()["iss"]
		if !ok {
			return "", false
		}
		return iss[0], true
	}
	if iss, ok := issOf(); ok {
		t.Errorf("by default the response carries iss %q, as Microsoft's does not", iss)
	}
	m.SetAuthResponseIssuer(m.Issuer())
	if iss, _ := issOf(); iss != m.Issuer() {
		t.Errorf("iss = %q, want %q", iss, m.Issuer())
	}
	m.SetAuthResponseIssuer("https://evil.test/x/v2.0")
	m.FailAuthorize("access_denied", "no")
	if iss, _ := issOf(); iss != "https://evil.test/x/v2.0" {
		t.Errorf("error response iss = %q", iss)
	}
}

func TestMicrosoftPersonalAccountAndGrant(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{
		TenantID:         providertest.PersonalTenantID,
		RefreshTokenSize: 8192,
		Grant: func(req []string) []string {
			return slices.DeleteFunc(req, func(s string) bool { return s == "Mail.Send" })
		},
	})
	r, _ := msSignIn(t, m, newApp(t), "openid offline_access Mail.Read Mail.Send", "")
	if got := r.str("scope"); got != "Mail.Read openid offline_access" {
		t.Errorf("scope = %q", got)
	}
	if rt := r.str("refresh_token"); !strings.HasPrefix(rt, "M.C5") || len(rt) != 8192 {
		t.Errorf("refresh token %.4s, %d bytes", rt, len(rt))
	}
	if !strings.HasPrefix(r.str("access_token"), "EwB") {
		t.Errorf("access token %.4s", r.str("access_token"))
	}
	claims := decodeJWT(t, r.str("id_token"))
	if claims["iss"] != m.URL+"/"+providertest.PersonalTenantID+"/v2.0" || claims["email"] != nil {
		t.Errorf("claims iss=%v email=%v", claims["iss"], claims["email"])
	}
}

func TestMicrosoftCorruptIDToken(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	m.CorruptNextIDToken(func(c map[string]any) { c["nonce"] = "wrong"; c["iss"] = "elsewhere" })
	r, _ := msSignIn(t, m, newApp(t), graphScopes, "")
	claims := decodeJWT(t, r.str("id_token"))
	if claims["nonce"] != "wrong" || claims["iss"] != "elsewhere" {
		t.Errorf("claims = %v", claims)
	}
	// Refreshed ID tokens carry no nonce and are not corrupted again.
	r2 := msRefresh(t, m, r.str("refresh_token"), graphScopes)
	claims = decodeJWT(t, r2.str("id_token"))
	if claims["nonce"] != nil || claims["iss"] != m.Issuer() {
		t.Errorf("refreshed claims = %v", claims)
	}
}

func TestMicrosoftConcurrentRefreshes(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	r, _ := msSignIn(t, m, newApp(t), graphScopes, "")
	const n = 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]bool{}
	for range n {
		wg.Go(func() {
			r := msRefresh(t, m, r.str("refresh_token"), "")
			if r.status != 200 {
				t.Errorf("refresh: %d %s", r.status, r.raw)
				return
			}
			mu.Lock()
			seen[r.str("refresh_token")] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	if m.Refreshes() != n || len(seen) != n {
		t.Errorf("Refreshes = %d, distinct new tokens = %d", m.Refreshes(), len(seen))
	}
}
