package providertest_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/latchkey/latchkey/accounts/providertest"
)

const gmailScopes = "openid email https://mail.test/"

// gSignIn runs the loopback sign-in; extra parameters are added to the
// authorize request.
func gSignIn(t *testing.T, g *providertest.Google, a *app, extra url.Values) (reply, url.Values) {
	t.Helper()
	verifier, challenge := pkce()
	redirect := a.redirect("127.0.0.1", "/callback")
	params := authParams(g.ClientID, redirect, gmailScopes, challenge)
	params.Set("access_type", "offline")
	for k, v := range extra {
		params[k] = v
	}
	cb := a.signIn(g.AuthURL, params)
	if cb.Get("state") != params.Get("state") || cb.Get("iss") != g.Issuer || cb.Get("code") == "" {
		t.Fatalf("callback keys %v", keysOf(cb))
	}
	r := post(t, g.TokenURL, url.Values{
		"client_id": {g.ClientID}, "client_secret": {g.ClientSecret}, "grant_type": {"authorization_code"},
		"code": {cb.Get("code")}, "redirect_uri": {redirect}, "code_verifier": {verifier},
	})
	if r.status != http.StatusOK {
		t.Fatalf("exchange: %d %s", r.status, r.raw)
	}
	return r, cb
}

func gRefresh(t *testing.T, g *providertest.Google, rt string) reply {
	t.Helper()
	return post(t, g.TokenURL, url.Values{
		"client_id": {g.ClientID}, "client_secret": {g.ClientSecret},
		"grant_type": {"refresh_token"}, "refresh_token": {rt},
	})
}

func TestGoogleSignInAndRefreshShapes(t *testing.T) {
	g := providertest.NewGoogle(t, providertest.GoogleOptions{
		Testing: true,
		Grant: func(req []string) []string {
			return slices.DeleteFunc(req, func(s string) bool { return s == "https://mail.test/" })
		},
	})
	r, cb := gSignIn(t, g, newApp(t), url.Values{"nonce": {"n-1"}})
	want := []string{"access_token", "expires_in", "id_token", "refresh_token", "refresh_token_expires_in", "scope", "token_type"}
	if got := keys(r.body); !slices.Equal(got, want) {
		t.Errorf("keys = %v", got)
	}
	if r.str("scope") != "openid email" || cb.Get("scope") != "openid email" {
		t.Errorf("granted scope %q, redirect scope %q", r.str("scope"), cb.Get("scope"))
	}
	if !strings.HasPrefix(r.str("access_token"), "ya29.") || !strings.HasPrefix(r.str("refresh_token"), "1//") {
		t.Errorf("prefixes %.5s %.3s", r.str("access_token"), r.str("refresh_token"))
	}
	claims := decodeJWT(t, r.str("id_token"))
	for k, v := range map[string]any{"iss": g.Issuer, "aud": g.ClientID, "email": g.Email, "email_verified": true, "nonce": "n-1"} {
		if claims[k] != v {
			t.Errorf("claim %s = %v", k, claims[k])
		}
	}

	r2 := gRefresh(t, g, r.str("refresh_token"))
	if r2.status != 200 || r2.str("refresh_token") != "" || r2.str("access_token") == "" || r2.str("scope") != "openid email" {
		t.Errorf("refresh: %d %s", r2.status, r2.raw)
	}
	if g.Exchanges() != 1 || g.Refreshes() != 1 {
		t.Errorf("counters %d %d", g.Exchanges(), g.Refreshes())
	}
}

func TestGoogleRefreshTokenOnlyOnConsent(t *testing.T) {
	g := providertest.NewGoogle(t, providertest.GoogleOptions{})
	a := newApp(t)
	first, _ := gSignIn(t, g, a, nil)
	again, _ := gSignIn(t, g, a, nil)
	forced, _ := gSignIn(t, g, a, url.Values{"prompt": {"consent"}})
	if first.str("refresh_token") == "" || again.str("refresh_token") != "" || forced.str("refresh_token") == "" {
		t.Errorf("refresh tokens: first %t, again %t, prompt=consent %t",
			first.str("refresh_token") != "", again.str("refresh_token") != "", forced.str("refresh_token") != "")
	}
}

func TestGoogleTokenErrors(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(g *providertest.Google, f url.Values)
		status int
		err    string
		desc   string
	}{
		{"wrong secret", func(_ *providertest.Google, f url.Values) { f.Set("client_secret", "x") }, 401, "invalid_client", "Unauthorized"},
		{"unknown client", func(_ *providertest.Google, f url.Values) { f.Set("client_id", "x") }, 401, "invalid_client", "The OAuth client was not found."},
		{"code reused", func(g *providertest.Google, f url.Values) { post(t, g.TokenURL, f) }, 400, "invalid_grant", "Bad Request"},
		{"wrong verifier", func(_ *providertest.Google, f url.Values) { f.Set("code_verifier", strings.Repeat("y", 43)) }, 400, "invalid_grant", "Invalid code verifier."},
		{"redirect differs", func(_ *providertest.Google, f url.Values) { f.Set("redirect_uri", f.Get("redirect_uri")+"/") }, 400, "redirect_uri_mismatch", "Bad Request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := providertest.NewGoogle(t, providertest.GoogleOptions{})
			a := newApp(t)
			verifier, challenge := pkce()
			redirect := a.redirect("localhost", "")
			cb := a.signIn(g.AuthURL, authParams(g.ClientID, redirect, "openid", challenge))
			f := url.Values{
				"client_id": {g.ClientID}, "client_secret": {g.ClientSecret}, "grant_type": {"authorization_code"},
				"code": {cb.Get("code")}, "redirect_uri": {redirect}, "code_verifier": {verifier},
			}
			tt.edit(g, f)
			r := post(t, g.TokenURL, f)
			if r.status != tt.status || r.str("error") != tt.err || r.str("error_description") != tt.desc {
				t.Errorf("got %d %s", r.status, r.raw)
			}
		})
	}
}

func TestGoogleAuthorize(t *testing.T) {
	g := providertest.NewGoogle(t, providertest.GoogleOptions{})
	_, challenge := pkce()
	for _, tt := range []struct {
		redirect string
		status   int
	}{
		{"http://127.0.0.1:5000", http.StatusFound},
		{"http://[::1]:5000/cb", http.StatusFound},
		{"http://localhost:5000/", http.StatusFound},
		{"https://127.0.0.1:5000", http.StatusBadRequest},
		{"http://192.0.2.1:5000", http.StatusBadRequest},
	} {
		v := authParams(g.ClientID, tt.redirect, "openid", challenge)
		if resp := noFollow(t, g.AuthURL+"?"+v.Encode()); resp.StatusCode != tt.status {
			t.Errorf("%s: status %d", tt.redirect, resp.StatusCode)
		}
	}
	v := authParams(g.ClientID, "http://127.0.0.1:5000", "openid", challenge)
	g.FailAuthorize("access_denied", "")
	g.FailAuthorize("invalid_scope", "<script>x</script>")
	for _, want := range []struct{ err, desc string }{{"access_denied", ""}, {"invalid_scope", "<script>x</script>"}} {
		loc, _ := url.Parse(noFollow(t, g.AuthURL+"?"+v.Encode()).Header.Get("Location"))
		q := loc.Query()
		if q.Get("error") != want.err || q.Get("error_description") != want.desc || q.Get("iss") != g.Issuer ||
			q.Get("state") != v.Get("state") || q.Has("code") {
			t.Errorf("redirect %v", q)
		}
	}
	v.Set("code_challenge_method", "plain")
	loc, _ := url.Parse(noFollow(t, g.AuthURL+"?"+v.Encode()).Header.Get("Location"))
	if loc.Query().Get("error") != "invalid_request" {
		t.Errorf("plain PKCE accepted")
	}
}

func TestGoogleRevoke(t *testing.T) {
	revoke := func(g *providertest.Google, token string) reply {
		return post(t, g.RevokeURL, url.Values{"token": {token}})
	}
	for _, which := range []string{"refresh_token", "access_token"} {
		t.Run(which, func(t *testing.T) {
			g := providertest.NewGoogle(t, providertest.GoogleOptions{})
			r, _ := gSignIn(t, g, newApp(t), nil)
			if got := revoke(g, r.str(which)); got.status != 200 || strings.TrimSpace(got.raw) != "{}" {
				t.Fatalf("revoke: %d %s", got.status, got.raw)
			}
			if info, _ := g.Lookup(r.str("access_token")); !info.Revoked {
				t.Error("access token still valid")
			}
			if got := gRefresh(t, g, r.str("refresh_token")); got.status != 400 || got.str("error_description") != "Token has been expired or revoked." {
				t.Errorf("refresh after revoke: %d %s", got.status, got.raw)
			}
			if got := revoke(g, r.str(which)); got.status != 400 || got.str("error") != "invalid_token" {
				t.Errorf("second revoke: %d %s", got.status, got.raw)
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		g := providertest.NewGoogle(t, providertest.GoogleOptions{})
		if got := revoke(g, "1//nope"); got.status != 400 || got.str("error_description") != "Token expired or revoked" {
			t.Errorf("%d %s", got.status, got.raw)
		}
	})
	t.Run("RevokeAll", func(t *testing.T) {
		g := providertest.NewGoogle(t, providertest.GoogleOptions{})
		r, _ := gSignIn(t, g, newApp(t), nil)
		g.RevokeAll()
		if got := gRefresh(t, g, r.str("refresh_token")); got.str("error") != "invalid_grant" {
			t.Errorf("%d %s", got.status, got.raw)
		}
	})
}

func TestGoogleConcurrentRefreshes(t *testing.T) {
	g := providertest.NewGoogle(t, providertest.GoogleOptions{})
	r, _ := gSignIn(t, g, newApp(t), nil)
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			if got := gRefresh(t, g, r.str("refresh_token")); got.status != 200 {
				t.Errorf("refresh: %d", got.status)
			}
		})
	}
	wg.Wait()
	if g.Refreshes() != 30 {
		t.Errorf("Refreshes = %d", g.Refreshes())
	}
}
