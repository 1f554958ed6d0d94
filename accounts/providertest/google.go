package providertest

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// GoogleOptions configures NewGoogle. Every field has a default.
type GoogleOptions struct {
	// ClientID and ClientSecret are the desktop client's credentials
	// (defaults "google-test-client.apps.googleusercontent.test" and
	// "google-test-secret"). Google requires the secret even though a
	// desktop app cannot keep it.
	ClientID, ClientSecret string
	// Email is the user (default "bob@gmail.test").
	Email string
	// Name is the user's display name (default "Bob Tester").
	Name string
	// AccessTTL is the access tokens' lifetime (default 3599s).
	AccessTTL time.Duration
	// Grant plays granular consent: given the requested scopes it returns
	// those the user left ticked (default: all). The result is what the
	// redirect's and token response's scope fields list, so it may also
	// spell scopes differently (Google answers "email" with the userinfo.email
	// URI).
	Grant func(requested []string) []string
	// Testing marks the app's consent screen as in "Testing": token
	// responses that carry a refresh token add refresh_token_expires_in
	// (604799). Queue TestingExpired to play the end of the week.
	Testing bool
	// RefreshTokenSize is the length of refresh tokens (default 103).
	RefreshTokenSize int
}

// Google emulates Google's OAuth 2.0 endpoints for one user and one
// desktop client. Its zero value is not usable: call NewGoogle.
type Google struct {
	// URL is the server's base URL: http://127.0.0.1:PORT.
	URL string
	// AuthURL, TokenURL and RevokeURL are the endpoints.
	AuthURL, TokenURL, RevokeURL string
	// Issuer is the ID tokens' iss and the redirect's iss parameter (URL).
	Issuer string
	// ClientID, ClientSecret and Email are the options in force.
	ClientID, ClientSecret, Email string

	base
	opts    GoogleOptions
	grant   *googleGrant // the user's current grant to the client, if any
	codes   map[string]*googleCode
	refresh map[string]*googleGrant
	access  map[string]*googleAccess
	sub     string

	revokeFaults []Fault // guarded by base.mu
	revokes      int
}

// googleGrant is the user's consent to the client. Revoking any token
// revokes the grant, and every token issued under it.
type googleGrant struct {
	scopes  []string
	revoked bool
}

type googleCode struct {
	redirectURI, challenge, nonce string
	grant                         *googleGrant
	scopes                        []string
	offline                       bool // a refresh token goes with the code
	used                          bool
}

type googleAccess struct {
	grant *googleGrant
	info  TokenInfo
}

// NewGoogle starts a Google emulator that stops when the test ends.
func NewGoogle(t testing.TB, opts GoogleOptions) *Google {
	t.Helper()
	opts.ClientID = cmp.Or(opts.ClientID, "google-test-client.apps.googleusercontent.test")
	opts.ClientSecret = cmp.Or(opts.ClientSecret, "google-test-secret")
	opts.Email = cmp.Or(opts.Email, "bob@gmail.test")
	opts.Name = cmp.Or(opts.Name, "Bob Tester")
	opts.AccessTTL = cmp.Or(opts.AccessTTL, 3599*time.Second)
	opts.RefreshTokenSize = cmp.Or(opts.RefreshTokenSize, 103)
	g := &Google{
		ClientID:     opts.ClientID,
		ClientSecret: opts.ClientSecret,
		Email:        opts.Email,
		opts:         opts,
		codes:        map[string]*googleCode{},
		refresh:      map[string]*googleGrant{},
		access:       map[string]*googleAccess{},
		sub:          "1" + randomDigits(20),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /o/oauth2/v2/auth", g.authorize)
	mux.HandleFunc("POST /token", g.token)
	mux.HandleFunc("POST /revoke", g.revoke)
	mux.HandleFunc("GET /gmail/v1/users/{user}/profile", g.profile)
	g.start(t, mux)
	g.URL = g.srv.URL
	g.AuthURL = g.URL + "/o/oauth2/v2/auth"
	g.TokenURL = g.URL + "/token"
	g.RevokeURL = g.URL + "/revoke"
	g.Issuer = g.URL
	return g
}

// SwitchUser makes the emulator play another Google Account with the same
// address from now on: a new subject, named name ("" keeps the name). Every
// later ID token, refreshes of earlier refresh tokens included, is that
// account's.
func (g *Google) SwitchUser(name string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sub = "1" + randomDigits(20)
	g.opts.Name = cmp.Or(name, g.opts.Name)
}

// SetEmail makes later sign-ins carry email as their address, whoever
// signs in: a provider (or a tenant's administrator) that lets another
// person show an address.
func (g *Google) SetEmail(email string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.Email = email
}

// FailNext queues f for the next token request that finds no earlier fault.
// Revoke requests take their faults from FailNextRevoke.
func (g *Google) FailNext(f Fault) { g.failNext(f) }

// FailNextRevoke queues f for the next revoke request: a transport fault
// (Reset, Hang, HTML200) or Status is served instead of the answer. With
// f.Revoking() the grant is revoked first, so Google acted and the client
// never heard: a network failure midway.
func (g *Google) FailNextRevoke(f Fault) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.revokeFaults = append(g.revokeFaults, f)
}

// Revokes reports how many revoke requests arrived.
func (g *Google) Revokes() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.revokes
}

// FailAuthorize makes the next authorize request redirect to the app with
// error=errorCode, error_description (as given, so it may hold markup), state and iss
// instead of a code; an empty description is left out, as Google does for
// error=access_denied. The client and redirect URI are still checked first.
func (g *Google) FailAuthorize(errorCode, description string) {
	g.failAuthorize(authFailure{error: errorCode, description: description})
}

// CorruptNextIDToken lets edit change the claims of the next ID token
// issued (a wrong nonce, iss or aud) before it is signed.
func (g *Google) CorruptNextIDToken(edit func(claims map[string]any)) {
	g.corruptNextIDToken(edit)
}

// Refreshes counts token requests with grant_type=refresh_token, whatever
// their outcome.
func (g *Google) Refreshes() int { r, _ := g.counts(); return r }

// Exchanges counts token requests with grant_type=authorization_code,
// whatever their outcome.
func (g *Google) Exchanges() int { _, e := g.counts(); return e }

// IssuedTokens returns every secret issued so far, oldest first:
// authorization codes and access, refresh and ID tokens.
func (g *Google) IssuedTokens() []string { return g.issuedTokens() }

// LastTokenRequest returns a copy of the last token request's form.
func (g *Google) LastTokenRequest() url.Values { return g.lastTokenRequest() }

// RevokeAll revokes the user's grant, as removing the app at the account's
// connections page does: refresh tokens then fail with invalid_grant and
// access tokens stop working.
func (g *Google) RevokeAll() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, gr := range g.refresh {
		gr.revoked = true
	}
	if g.grant != nil {
		g.grant.revoked = true
	}
}

// Lookup describes an access token this emulator issued, for fake resource
// servers (a fake IMAP server can check TokenInfo.Valid).
func (g *Google) Lookup(accessToken string) (TokenInfo, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	a, ok := g.access[accessToken]
	if !ok {
		return TokenInfo{}, false
	}
	info := a.info
	info.Scopes = slices.Clone(info.Scopes)
	info.Revoked = a.grant.revoked
	return info, true
}

// googleRedirectAllowed accepts what Google allows for desktop clients:
// http on 127.0.0.1, [::1] or localhost, any port and path.
func googleRedirectAllowed(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Fragment != "" {
		return false
	}
	return isLoopback(u.Hostname())
}

func (g *Google) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != g.ClientID {
		errorPage(w, http.StatusUnauthorized, "Access blocked: authorization error",
			"The OAuth client was not found. Error 401: invalid_client")
		return
	}
	redirect := q.Get("redirect_uri")
	if !googleRedirectAllowed(redirect) {
		errorPage(w, http.StatusBadRequest, "Access blocked: this app's request is invalid",
			"Error 400: redirect_uri_mismatch")
		return
	}
	fail := func(e, desc string) {
		v := url.Values{"error": {e}, "iss": {g.Issuer}}
		if desc != "" {
			v.Set("error_description", desc)
		}
		if s := q.Get("state"); s != "" {
			v.Set("state", s)
		}
		http.Redirect(w, r, withQuery(redirect, v), http.StatusFound)
	}
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "Invalid response_type: "+q.Get("response_type"))
		return
	case q.Get("scope") == "":
		fail("invalid_request", "Missing required parameter: scope")
		return
	case q.Get("state") == "":
		fail("invalid_request", "The emulator requires a state parameter.")
		return
	case q.Get("code_challenge") == "":
		fail("invalid_request", "The emulator requires PKCE: code_challenge is missing.")
		return
	case q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "Invalid code_challenge_method: the emulator accepts only S256.")
		return
	}

	requested := scopeList(q.Get("scope"))
	g.mu.Lock()
	if f, ok := g.takeAuthFailure(); ok {
		g.mu.Unlock()
		fail(f.error, f.description)
		return
	}
	granted := requested
	if g.opts.Grant != nil {
		granted = g.opts.Grant(slices.Clone(requested))
	}
	fresh := g.grant == nil || g.grant.revoked
	if fresh {
		g.grant = &googleGrant{}
	}
	if q.Get("include_granted_scopes") == "true" {
		for _, s := range g.grant.scopes {
			if !slices.Contains(granted, s) {
				granted = append(granted, s)
			}
		}
	}
	for _, s := range granted {
		if !slices.Contains(g.grant.scopes, s) {
			g.grant.scopes = append(g.grant.scopes, s)
		}
	}
	// Google hands out a refresh token on first consent, or when the app
	// forces the consent screen again with prompt=consent.
	offline := q.Get("access_type") == "offline" &&
		(fresh || slices.Contains(strings.Fields(q.Get("prompt")), "consent"))
	code := randomToken("4/0A", 73)
	g.codes[code] = &googleCode{
		redirectURI: redirect,
		challenge:   q.Get("code_challenge"),
		nonce:       q.Get("nonce"),
		grant:       g.grant,
		scopes:      slices.Clone(granted),
		offline:     offline,
	}
	g.remember(code)
	g.mu.Unlock()

	v := url.Values{
		"state": {q.Get("state")}, "iss": {g.Issuer}, "code": {code},
		"scope": {strings.Join(granted, " ")}, "authuser": {"0"}, "prompt": {"consent"},
	}
	http.Redirect(w, r, withQuery(redirect, v), http.StatusFound)
}

// googleError is Google's token endpoint error shape.
type googleError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
}

func googleFail(w http.ResponseWriter, status int, e, desc string) {
	writeJSON(w, status, googleError{Error: e, ErrorDescription: desc})
}

// googleExpiredOrRevoked is the description Google gives for a dead
// refresh token, whatever killed it.
const googleExpiredOrRevoked = "Token has been expired or revoked."

func (g *Google) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		googleFail(w, http.StatusBadRequest, "invalid_request", "Could not parse the request.")
		return
	}
	form := r.PostForm
	if f, ok := g.recordTokenRequest(form); ok {
		if g.serveTransportFault(w, r, f) {
			return
		}
		if f.kind != faultHang {
			g.serveFault(w, f)
			return
		}
	}
	id, secret := form.Get("client_id"), form.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(u)
		secret, _ = url.QueryUnescape(p)
	}
	switch {
	case id == "":
		googleFail(w, http.StatusBadRequest, "invalid_request", "Could not determine client ID from request.")
		return
	case id != g.ClientID:
		googleFail(w, http.StatusUnauthorized, "invalid_client", "The OAuth client was not found.")
		return
	case secret != g.ClientSecret:
		googleFail(w, http.StatusUnauthorized, "invalid_client", "Unauthorized")
		return
	}
	switch gt := form.Get("grant_type"); gt {
	case "authorization_code":
		g.exchange(w, form)
	case "refresh_token":
		g.refreshGrant(w, form)
	default:
		googleFail(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: "+gt)
	}
}

func (g *Google) exchange(w http.ResponseWriter, form url.Values) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c, ok := g.codes[form.Get("code")]
	if !ok || c.used {
		googleFail(w, http.StatusBadRequest, "invalid_grant", "Bad Request")
		return
	}
	c.used = true
	switch {
	case form.Get("redirect_uri") != c.redirectURI:
		googleFail(w, http.StatusBadRequest, "redirect_uri_mismatch", "Bad Request")
		return
	case form.Get("code_verifier") == "":
		googleFail(w, http.StatusBadRequest, "invalid_grant", "Missing code verifier.")
		return
	case s256(form.Get("code_verifier")) != c.challenge:
		googleFail(w, http.StatusBadRequest, "invalid_grant", "Invalid code verifier.")
		return
	case c.grant.revoked:
		googleFail(w, http.StatusBadRequest, "invalid_grant", "Bad Request")
		return
	}
	g.issue(w, c.grant, c.scopes, c.nonce, c.offline)
}

func (g *Google) refreshGrant(w http.ResponseWriter, form url.Values) {
	g.mu.Lock()
	defer g.mu.Unlock()
	gr, ok := g.refresh[form.Get("refresh_token")]
	switch {
	case !ok:
		googleFail(w, http.StatusBadRequest, "invalid_grant", "Bad Request")
		return
	case gr.revoked:
		googleFail(w, http.StatusBadRequest, "invalid_grant", googleExpiredOrRevoked)
		return
	}
	g.issue(w, gr, gr.scopes, "", false)
}

// googleTokenResponse is the documented success shape, fields in its order.
type googleTokenResponse struct {
	AccessToken           string `json:"access_token"`
	ExpiresIn             int    `json:"expires_in"`
	RefreshToken          string `json:"refresh_token,omitempty"`
	RefreshTokenExpiresIn int    `json:"refresh_token_expires_in,omitempty"`
	Scope                 string `json:"scope"`
	TokenType             string `json:"token_type"`
	IDToken               string `json:"id_token,omitempty"`
}

// issue mints tokens under gr. Callers hold mu.
func (g *Google) issue(w http.ResponseWriter, gr *googleGrant, scopes []string, nonce string, withRefresh bool) {
	now := time.Now()
	resp := googleTokenResponse{
		AccessToken: randomToken("ya29.a0", 254),
		ExpiresIn:   int(g.opts.AccessTTL / time.Second),
		Scope:       strings.Join(scopes, " "),
		TokenType:   "Bearer",
	}
	g.access[resp.AccessToken] = &googleAccess{grant: gr, info: TokenInfo{
		Email: g.Email, Scopes: slices.Clone(scopes), Expiry: now.Add(g.opts.AccessTTL),
	}}
	if withRefresh {
		resp.RefreshToken = randomToken("1//0", g.opts.RefreshTokenSize)
		g.refresh[resp.RefreshToken] = gr
		if g.opts.Testing {
			resp.RefreshTokenExpiresIn = 604799
		}
	}
	if slices.Contains(scopes, "openid") {
		claims := map[string]any{
			"iss": g.Issuer, "azp": g.ClientID, "aud": g.ClientID, "sub": g.sub,
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
			"at_hash": randomToken("", 22),
		}
		if nonce != "" {
			claims["nonce"] = nonce
		}
		if hasScope(scopes, "email") {
			claims["email"] = g.Email
			claims["email_verified"] = true
		}
		if hasScope(scopes, "profile") {
			claims["name"] = g.opts.Name
		}
		resp.IDToken = g.signIDToken(claims)
	}
	g.remember(resp.AccessToken, resp.RefreshToken, resp.IDToken)
	writeJSON(w, http.StatusOK, resp)
}

// hasScope reports whether scopes hold the OpenID scope name (email,
// profile) or the userinfo URI Google grants for it.
func hasScope(scopes []string, name string) bool {
	for _, s := range scopes {
		if s == name || strings.HasSuffix(s, "/auth/userinfo."+name) {
			return true
		}
	}
	return false
}

// revoke is RFC 7009 as Google runs it: any token of a grant revokes the
// whole grant.
func (g *Google) revoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		googleFail(w, http.StatusBadRequest, "invalid_request", "Could not parse the request.")
		return
	}
	token := r.Form.Get("token")
	g.mu.Lock()
	g.revokes++
	var fault *Fault
	if len(g.revokeFaults) > 0 {
		fault = &g.revokeFaults[0]
		g.revokeFaults = g.revokeFaults[1:]
	}
	gr, ok := g.refresh[token]
	if !ok {
		if a, found := g.access[token]; found {
			gr, ok = a.grant, true
		}
	}
	live := ok && !gr.revoked
	if fault != nil && !fault.revoke {
		g.mu.Unlock()
		g.serveRevokeFault(w, r, *fault)
		return
	}
	if live {
		gr.revoked = true
	}
	g.mu.Unlock()
	if fault != nil {
		g.serveRevokeFault(w, r, *fault)
		return
	}
	if !live {
		googleFail(w, http.StatusBadRequest, "invalid_token", "Token expired or revoked")
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// serveRevokeFault serves a queued revoke fault.
func (g *Google) serveRevokeFault(w http.ResponseWriter, r *http.Request, f Fault) {
	if g.serveTransportFault(w, r, f) {
		return
	}
	status := f.status
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	googleFail(w, status, "internal_failure", "Backend Error")
}

// serveFault serves the provider-shaped faults.
func (g *Google) serveFault(w http.ResponseWriter, f Fault) {
	switch f.kind {
	case faultInvalidGrant:
		if f.revoke {
			g.RevokeAll()
		}
		googleFail(w, http.StatusBadRequest, "invalid_grant", googleExpiredOrRevoked)
	case faultTooMany:
		w.Header().Set("Retry-After", retryAfterSeconds(f.retryAfter))
		googleFail(w, http.StatusTooManyRequests, "rate_limit_exceeded", "Rate Limit Exceeded")
	case faultStatus:
		googleFail(w, f.status, "internal_failure", "Backend Error")
	}
}

func randomDigits(n int) string {
	b := []byte(randomToken("", n))
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}
