package providertest

import (
	"cmp"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// PersonalTenantID is the tenant of every personal Microsoft account
// (Outlook.com, Hotmail): the tid claim and issuer of their ID tokens.
const PersonalTenantID = "9188040d-6c67-4c5b-b112-36a304b66dad"

// MicrosoftOptions configures NewMicrosoft. Every field has a default.
type MicrosoftOptions struct {
	// ClientID is the registered application's client ID (default
	// "ms-test-client"). Other values are refused as unknown applications.
	ClientID string
	// Email is the user: preferred_username, and email when the email scope
	// is requested (default "alice@contoso.test").
	Email string
	// Name is the user's display name (default "Alice Tester").
	Name string
	// TenantID is the user's tenant: the tid claim and the issuer's path
	// (default "3f5e3d0a-4b1c-4f7e-9a51-2c8d6b0e7a11"). Use PersonalTenantID
	// for a personal account, which also switches access tokens to opaque
	// "EwB..." values and refresh tokens to "M.C5..." ones.
	TenantID string
	// AccessTTL is the access tokens' lifetime: expires_in and
	// ext_expires_in (default 3599s).
	AccessTTL time.Duration
	// Grant plays the consent screen: given the scopes of an authorize
	// request it returns those the user consents to (default: all). Only
	// resource scopes are affected: the OpenID scopes (openid, profile,
	// email, offline_access) always work. Consent accumulates across
	// sign-ins, as Microsoft keeps it per user and application.
	Grant func(requested []string) []string
	// RedirectURIs are the registered redirect URIs (default
	// "http://localhost"). As Microsoft does for loopback hosts, the port
	// is ignored when matching, and an empty path matches "/".
	RedirectURIs []string
	// RefreshTokenSize is the length of refresh tokens (default 1400; real
	// ones are 1-2 KB). Raise it to test large keychain secrets.
	RefreshTokenSize int
	// RotatedGrace is how long a refresh token keeps working after a
	// refresh replaced it. Zero (the default) keeps replaced tokens working
	// until revoked, since Microsoft leaves them valid for an undocumented
	// while; a negative value kills them at once (AADSTS70000).
	RotatedGrace time.Duration
	// DeviceInterval is the polling interval device code answers name
	// (default 5s, as Microsoft's; whole seconds). A poll sooner than the
	// interval after the last one gets slow_down and is counted (see
	// DeviceTooFast).
	DeviceInterval time.Duration
	// SharedMailboxes are the shared mailboxes an administrator let the
	// user open (see MailboxAllowed).
	SharedMailboxes []string
}

// Microsoft emulates Microsoft's identity platform v2.0 endpoints for one
// user and one public client (a native app). Its zero value is not usable:
// call NewMicrosoft.
type Microsoft struct {
	// URL is the authority: http://127.0.0.1:PORT. The endpoints are
	// {URL}/{tenant}/oauth2/v2.0/authorize and .../token, where tenant is
	// common, organizations, consumers or TenantID.
	URL string
	// ClientID, Email and TenantID are the options in force.
	ClientID, Email, TenantID string

	base
	opts     MicrosoftOptions
	consent  map[string]string // lower-cased scope -> scope as consented
	codes    map[string]*msCode
	refresh  map[string]*msRefresh
	access   map[string]TokenInfo
	oid, sub string
	respIss  string // iss of authorization responses, "" for none
	devices  map[string]*msDevice
	script   deviceScript // for the next device code
	tooFast  int
	polls    []time.Time
}

// msDevice is one device code and how its sign-in goes.
type msDevice struct {
	scopes   []string
	expiry   time.Time
	interval time.Duration
	lastPoll time.Time
	script   deviceScript
	redeemed bool
}

// deviceScript is how the person answers a device sign-in: the answers of
// the polls before they finish, then the outcome ("" signs in).
type deviceScript struct {
	answers []string
	outcome string
}

type msCode struct {
	redirectURI, challenge, nonce string
	scopes                        []string
	used                          bool
}

type msRefresh struct {
	scopes     []string  // scope of the request that issued it
	replacedAt time.Time // zero while it is the newest of its chain
	revoked    bool
	issuedAt   time.Time
}

// NewMicrosoft starts a Microsoft emulator that stops when the test ends.
func NewMicrosoft(t testing.TB, opts MicrosoftOptions) *Microsoft {
	t.Helper()
	if opts.ClientID == "" {
		opts.ClientID = "ms-test-client"
	}
	if opts.Email == "" {
		opts.Email = "alice@contoso.test"
	}
	if opts.Name == "" {
		opts.Name = "Alice Tester"
	}
	if opts.TenantID == "" {
		opts.TenantID = "3f5e3d0a-4b1c-4f7e-9a51-2c8d6b0e7a11"
	}
	if opts.AccessTTL == 0 {
		opts.AccessTTL = 3599 * time.Second
	}
	if len(opts.RedirectURIs) == 0 {
		opts.RedirectURIs = []string{"http://localhost"}
	}
	if opts.DeviceInterval == 0 {
		opts.DeviceInterval = 5 * time.Second
	}
	if opts.RefreshTokenSize == 0 {
		opts.RefreshTokenSize = 1400
	}
	m := &Microsoft{
		ClientID: opts.ClientID,
		Email:    opts.Email,
		TenantID: opts.TenantID,
		opts:     opts,
		consent:  map[string]string{},
		codes:    map[string]*msCode{},
		refresh:  map[string]*msRefresh{},
		access:   map[string]TokenInfo{},
		devices:  map[string]*msDevice{},
		oid:      guid(),
		sub:      randomToken("", 43),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/oauth2/v2.0/authorize", m.authorize)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", m.token)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/devicecode", m.deviceCode)
	mux.HandleFunc("GET /v1.0/me", m.me)
	m.start(t, mux)
	m.URL = m.srv.URL
	return m
}

// SwitchUser makes the emulator play another person with the same
// address from now on: a new object id and subject, in tenantID ("" keeps
// the tenant: another user of the same organization), named name ("" keeps
// the name). Every later ID and access token, refreshes of earlier refresh
// tokens included, is that person's, as if an administrator had given a
// new user the old one's address.
func (m *Microsoft) SwitchUser(tenantID, name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.oid, m.sub = guid(), randomToken("", 43)
	m.TenantID = cmp.Or(tenantID, m.TenantID)
	m.opts.Name = cmp.Or(name, m.opts.Name)
}

// OtherApp makes later sign-ins come through another app registration:
// Microsoft's sub is per app, so it changes; the user (tid, oid) does not.
func (m *Microsoft) OtherApp() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sub = randomToken("", 43)
}

// AuthorizeURL is the authorize endpoint for tenant ("common" if empty).
func (m *Microsoft) AuthorizeURL(tenant string) string {
	return m.URL + "/" + cmp.Or(tenant, "common") + "/oauth2/v2.0/authorize"
}

// TokenURL is the token endpoint for tenant ("common" if empty).
func (m *Microsoft) TokenURL(tenant string) string {
	return m.URL + "/" + cmp.Or(tenant, "common") + "/oauth2/v2.0/token"
}

// Issuer is the iss claim of the user's ID tokens: {URL}/{TenantID}/v2.0.
func (m *Microsoft) Issuer() string { return m.URL + "/" + m.TenantID + "/v2.0" }

// SetAuthResponseIssuer makes every later authorization response, codes
// and errors alike, carry iss (RFC 9207): m.Issuer() for the right one,
// anything else for a mix-up. "" (the default) sends none, as Microsoft
// does today: it does not advertise authorization_response_iss_parameter_supported.
func (m *Microsoft) SetAuthResponseIssuer(iss string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.respIss = iss
}

// FailNext queues f for the next token request that finds no earlier fault.
func (m *Microsoft) FailNext(f Fault) { m.failNext(f) }

// FailAuthorize makes the next authorize request redirect to the app with
// error=errorCode, error_description (as given, so it may hold markup) and state
// instead of a code. The client and redirect URI are still checked first.
func (m *Microsoft) FailAuthorize(errorCode, description string) {
	m.failAuthorize(authFailure{error: errorCode, description: description})
}

// FailAuthorizeAADSTS makes the next authorize request redirect with the
// error Microsoft's sign-in pages send for an AADSTS code: 65001 gives
// consent_required, 65004 access_denied with error_subcode=cancel (the user
// declined), 90094, 90095 and 53003 access_denied, 50076 and 50079
// interaction_required. The description carries the code and trace lines.
func (m *Microsoft) FailAuthorizeAADSTS(code int) {
	info := msErrorFor(code)
	e := cmp.Or(info.authorizeError, "invalid_request")
	f := authFailure{error: e, description: m.describe(code, info)}
	if code == 65004 {
		f.subcode = "cancel"
	}
	m.failAuthorize(f)
}

// CorruptNextIDToken lets edit change the claims of the next ID token
// issued (a wrong nonce, iss or aud) before it is signed.
func (m *Microsoft) CorruptNextIDToken(edit func(claims map[string]any)) {
	m.corruptNextIDToken(edit)
}

// Refreshes counts token requests with grant_type=refresh_token, whatever
// their outcome.
func (m *Microsoft) Refreshes() int { r, _ := m.counts(); return r }

// Exchanges counts token requests with grant_type=authorization_code,
// whatever their outcome.
func (m *Microsoft) Exchanges() int { _, e := m.counts(); return e }

// IssuedTokens returns every secret issued so far, oldest first:
// authorization codes and access, refresh and ID tokens. Scan logs and files
// for them.
func (m *Microsoft) IssuedTokens() []string { return m.issuedTokens() }

// LastTokenRequest returns a copy of the last token request's form.
func (m *Microsoft) LastTokenRequest() url.Values { return m.lastTokenRequest() }

// RevokeAll invalidates every refresh token issued so far, as a password
// reset does: they then fail with invalid_grant AADSTS50173. Access tokens
// keep working until they expire, as Microsoft's do.
func (m *Microsoft) RevokeAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.refresh {
		r.revoked = true
	}
}

// MailboxAllowed plays Exchange Online's check of an IMAP or SMTP
// XOAUTH2 login: accessToken must be a live token this emulator issued for
// the mail servers (https://outlook.office.com/), and mailbox the user's
// own address or a shared mailbox they may open (SharedMailboxes).
func (m *Microsoft) MailboxAllowed(accessToken, mailbox string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	info, ok := m.access[accessToken]
	if !ok || info.Resource != "https://outlook.office.com/" || time.Now().After(info.Expiry) {
		return false
	}
	if strings.EqualFold(mailbox, info.Email) {
		return true
	}
	return slices.ContainsFunc(m.opts.SharedMailboxes, func(s string) bool { return strings.EqualFold(s, mailbox) })
}

// Lookup describes an access token this emulator issued, for fake resource
// servers (a fake IMAP server can check TokenInfo.Resource).
func (m *Microsoft) Lookup(accessToken string) (TokenInfo, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	info, ok := m.access[accessToken]
	info.Scopes = slices.Clone(info.Scopes)
	return info, ok
}

func (m *Microsoft) knownTenant(tenant string) bool {
	switch tenant {
	case "common", "organizations", "consumers", m.TenantID:
		return true
	}
	return false
}

// redirectRegistered applies Microsoft's loopback matching: scheme, host
// and path must match a registered URI; the port is ignored.
func (m *Microsoft) redirectRegistered(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery != "" || u.Fragment != "" {
		return false
	}
	for _, reg := range m.opts.RedirectURIs {
		r, err := url.Parse(reg)
		if err != nil {
			continue
		}
		if u.Scheme == r.Scheme && strings.EqualFold(u.Hostname(), r.Hostname()) &&
			cmp.Or(u.Path, "/") == cmp.Or(r.Path, "/") {
			if (r.Port() == "" && isLoopback(r.Hostname())) || u.Port() == r.Port() {
				return true
			}
		}
	}
	return false
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

func (m *Microsoft) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tenant := r.PathValue("tenant")
	if !m.knownTenant(tenant) {
		errorPage(w, http.StatusBadRequest, "Sign in", m.describe(90002, msErrorFor(90002)))
		return
	}
	if q.Get("client_id") != m.ClientID {
		errorPage(w, http.StatusBadRequest, "Sign in", m.describe(700016, msErrorFor(700016)))
		return
	}
	redirect := q.Get("redirect_uri")
	if !m.redirectRegistered(redirect) {
		errorPage(w, http.StatusBadRequest, "Sign in", m.describe(50011, msErrorFor(50011)))
		return
	}
	fail := func(e, desc string) {
		v := url.Values{"error": {e}, "error_description": {desc}}
		if s := q.Get("state"); s != "" {
			v.Set("state", s)
		}
		http.Redirect(w, r, withQuery(redirect, v), http.StatusFound)
	}
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "AADSTS700054: response_type '"+q.Get("response_type")+"' is not enabled for the application.")
		return
	case q.Get("response_mode") != "" && q.Get("response_mode") != "query":
		fail("invalid_request", "The emulator only supports response_mode=query.")
		return
	case q.Get("scope") == "":
		fail("invalid_request", m.describe(900144, msErrorFor(900144), "scope"))
		return
	case q.Get("state") == "":
		fail("invalid_request", "The emulator requires a state parameter.")
		return
	case q.Get("code_challenge") == "":
		fail("invalid_request", "The emulator requires PKCE: code_challenge is missing.")
		return
	case q.Get("code_challenge_method") != "S256":
		fail("invalid_request", m.describe(50149, msErrorFor(50149)))
		return
	}

	requested := scopeList(q.Get("scope"))
	m.mu.Lock()
	respIss := m.respIss
	if f, ok := m.takeAuthFailure(); ok {
		m.mu.Unlock()
		v := url.Values{"error": {f.error}, "error_description": {f.description}, "state": {q.Get("state")}}
		if f.subcode != "" {
			v.Set("error_subcode", f.subcode)
		}
		if respIss != "" {
			v.Set("iss", respIss)
		}
		http.Redirect(w, r, withQuery(redirect, v), http.StatusFound)
		return
	}
	granted := requested
	if m.opts.Grant != nil {
		granted = m.opts.Grant(slices.Clone(requested))
	}
	for _, s := range granted {
		if !isOIDCScope(s) {
			m.consent[strings.ToLower(s)] = s
		}
	}
	code := randomToken(m.codePrefix(), 800)
	m.codes[code] = &msCode{
		redirectURI: redirect,
		challenge:   q.Get("code_challenge"),
		nonce:       q.Get("nonce"),
		scopes:      requested,
	}
	m.remember(code)
	m.mu.Unlock()

	v := url.Values{"code": {code}, "state": {q.Get("state")}}
	if m.TenantID != PersonalTenantID {
		v.Set("session_state", guid())
	}
	if respIss != "" {
		v.Set("iss", respIss)
	}
	http.Redirect(w, r, withQuery(redirect, v), http.StatusFound)
}

func (m *Microsoft) codePrefix() string {
	if m.TenantID == PersonalTenantID {
		return "M.C5"
	}
	return "1.AX"
}

func (m *Microsoft) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		m.fail(w, 900144, "grant_type")
		return
	}
	form := r.PostForm
	if f, ok := m.recordTokenRequest(form); ok {
		if m.serveTransportFault(w, r, f) {
			return
		}
		if f.kind != faultHang {
			m.serveFault(w, f)
			return
		}
	}
	if !m.publicClient(w, r.PathValue("tenant"), form) {
		return
	}
	switch {
	case form.Has("client_secret") || r.Header.Get("Authorization") != "":
		// A public client has no secret; Microsoft checks whatever is sent.
		m.fail(w, 7000215)
		return
	}
	switch form.Get("grant_type") {
	case "authorization_code":
		m.exchange(w, form)
	case "refresh_token":
		m.refreshGrant(w, form)
	case deviceGrantType:
		m.deviceGrant(w, form)
	case "":
		m.fail(w, 900144, "grant_type")
	default:
		m.fail(w, 70003)
	}
}

func (m *Microsoft) exchange(w http.ResponseWriter, form url.Values) {
	if form.Get("code") == "" {
		m.fail(w, 900144, "code")
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.codes[form.Get("code")]
	switch {
	case !ok:
		m.fail(w, 9002313)
		return
	case c.used:
		m.fail(w, 54005)
		return
	}
	// Any redemption attempt uses the code up, as a careful server does.
	c.used = true
	switch {
	case form.Get("redirect_uri") != c.redirectURI:
		m.fail(w, 50011)
		return
	case form.Get("code_verifier") == "":
		m.fail(w, 900144, "code_verifier")
		return
	case s256(form.Get("code_verifier")) != c.challenge:
		m.fail(w, 501481)
		return
	}
	scopes := c.scopes
	if form.Has("scope") {
		scopes = scopeList(form.Get("scope"))
	}
	m.issue(w, scopes, c.nonce, nil)
}

func (m *Microsoft) refreshGrant(w http.ResponseWriter, form url.Values) {
	token := form.Get("refresh_token")
	if token == "" {
		m.fail(w, 900144, "refresh_token")
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	rt, ok := m.refresh[token]
	switch {
	case !ok:
		m.fail(w, 9002313)
		return
	case rt.revoked:
		m.fail(w, 50173)
		return
	case !rt.replacedAt.IsZero() && m.opts.RotatedGrace < 0,
		!rt.replacedAt.IsZero() && m.opts.RotatedGrace > 0 && time.Since(rt.replacedAt) > m.opts.RotatedGrace:
		m.fail(w, 70000)
		return
	}
	scopes := rt.scopes
	if form.Has("scope") {
		scopes = scopeList(form.Get("scope"))
	}
	m.issue(w, scopes, "", rt)
}

// msTokenResponse is the documented success shape, fields in its order.
type msTokenResponse struct {
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	ExpiresIn    int    `json:"expires_in"`
	ExtExpiresIn int    `json:"ext_expires_in"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
}

// issue mints tokens for scopes, which must name one resource the user
// consented to. prev is the refresh token being redeemed, if any; it is
// rotated. Callers hold mu.
func (m *Microsoft) issue(w http.ResponseWriter, scopes []string, nonce string, prev *msRefresh) {
	resources := map[string]bool{}
	var resource string
	var oidc []string
	for _, s := range scopes {
		if isOIDCScope(s) {
			oidc = append(oidc, strings.ToLower(s))
			continue
		}
		resource = msResource(s)
		resources[resource] = true
	}
	if len(resources) > 1 {
		m.fail(w, 28000, strings.Join(scopes, " "))
		return
	}
	// Scopes the user did not consent to are left out of the grant; with
	// no consent at all for the resource Microsoft asks for interaction.
	if len(resources) == 1 && len(m.consentedFor(resource)) == 0 {
		m.fail(w, 65001)
		return
	}
	if len(resources) == 0 && !slices.Contains(oidc, "openid") {
		m.fail(w, 70011, strings.Join(scopes, " "))
		return
	}

	// Microsoft grants everything consented for the resource, not only what
	// was asked, and lists the OpenID scopes only for Graph.
	granted := m.consentedFor(resource)
	if resource == "" {
		for _, s := range oidc {
			if !slices.Contains(granted, s) {
				granted = append(granted, s)
			}
		}
	}
	now := time.Now()
	resp := msTokenResponse{
		TokenType:    "Bearer",
		Scope:        strings.Join(granted, " "),
		ExpiresIn:    int(m.opts.AccessTTL / time.Second),
		ExtExpiresIn: int(m.opts.AccessTTL / time.Second),
		AccessToken:  m.accessToken(resource, granted, now),
	}
	m.access[resp.AccessToken] = TokenInfo{
		Email:    m.Email,
		Resource: resource,
		Scopes:   slices.Clone(granted),
		Expiry:   now.Add(m.opts.AccessTTL),
	}
	if prev != nil || slices.Contains(oidc, "offline_access") {
		prefix := "1.AX"
		if m.TenantID == PersonalTenantID {
			prefix = "M.C5"
		}
		resp.RefreshToken = randomToken(prefix, m.opts.RefreshTokenSize)
		m.refresh[resp.RefreshToken] = &msRefresh{scopes: slices.Clone(scopes), issuedAt: now}
		if prev != nil && prev.replacedAt.IsZero() {
			prev.replacedAt = now
		}
	}
	if slices.Contains(oidc, "openid") {
		resp.IDToken = m.idToken(nonce, slices.Contains(oidc, "email"), now)
	}
	m.remember(resp.AccessToken, resp.RefreshToken, resp.IDToken)
	writeJSON(w, http.StatusOK, resp)
}

// consentedFor lists consented scopes of resource, sorted. Callers hold mu.
func (m *Microsoft) consentedFor(resource string) []string {
	var out []string
	for _, s := range m.consent {
		if msResource(s) == resource {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

func (m *Microsoft) accessToken(resource string, scopes []string, now time.Time) string {
	if m.TenantID == PersonalTenantID {
		return randomToken("EwB", 1500)
	}
	aud := strings.TrimSuffix(resource, "/")
	if resource == "" {
		aud = "00000003-0000-0000-c000-000000000000" // Microsoft Graph's app ID
	}
	var scp []string
	for _, s := range scopes {
		if !isOIDCScope(s) {
			scp = append(scp, s[len(resource):])
		}
	}
	return signJWT(map[string]any{
		"aud": aud, "iss": m.URL + "/" + m.TenantID + "/v2.0",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(m.opts.AccessTTL).Unix(),
		"appid": m.ClientID, "oid": m.oid, "sub": m.sub, "tid": m.TenantID,
		"upn": m.Email, "name": m.opts.Name, "scp": strings.Join(scp, " "),
		"uti": randomToken("", 22), "ver": "1.0",
	})
}

// idToken signs an ID token. Callers hold mu.
func (m *Microsoft) idToken(nonce string, email bool, now time.Time) string {
	claims := map[string]any{
		"ver": "2.0", "iss": m.Issuer(), "aud": m.ClientID, "tid": m.TenantID,
		"oid": m.oid, "sub": m.sub, "preferred_username": m.Email, "name": m.opts.Name,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if email {
		claims["email"] = m.Email
	}
	return m.signIDToken(claims)
}

// msResource is the resource a scope belongs to: its URI up to the last
// "/" for URI scopes, "" (Microsoft Graph) for bare names.
func msResource(scope string) string {
	i := strings.Index(scope, "://")
	if i < 0 {
		return ""
	}
	j := strings.LastIndex(scope, "/")
	if j <= i+2 {
		return strings.ToLower(scope) + "/"
	}
	return strings.ToLower(scope[:j+1])
}

func isOIDCScope(s string) bool {
	switch strings.ToLower(s) {
	case "openid", "profile", "email", "offline_access":
		return true
	}
	return false
}

// msErrorInfo is one row of the AADSTS table.
type msErrorInfo struct {
	status         int
	error          string
	suberror       string
	authorizeError string
	text           string // after "AADSTSnnn: "; %s takes the optional argument
}

var msErrors = map[int]msErrorInfo{
	700082:  {400, "invalid_grant", "bad_token", "", "The refresh token has expired due to inactivity. The token was issued on 2025-01-01T00:00:00.0000000Z and was inactive for 90.00:00:00."},
	50173:   {400, "invalid_grant", "bad_token", "", "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password."},
	70000:   {400, "invalid_grant", "bad_token", "", "Provided grant is invalid or malformed."},
	70008:   {400, "invalid_grant", "bad_token", "", "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."},
	70043:   {400, "invalid_grant", "bad_token", "", "The refresh token has expired or is invalid due to sign-in frequency checks by conditional access. The token was issued on 2025-01-01T00:00:00.0000000Z and the maximum allowed lifetime for this request is 3600."},
	54005:   {400, "invalid_grant", "", "", "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."},
	9002313: {400, "invalid_grant", "", "", "Invalid request. Request is malformed or invalid."},
	65001:   {400, "invalid_grant", "consent_required", "consent_required", "The user or administrator has not consented to use the application with ID '{client}' named 'Latchkey'. Send an interactive authorization request for this user and resource."},
	65004:   {400, "invalid_grant", "", "access_denied", "User declined to consent to access the app."},
	90094:   {400, "invalid_grant", "", "access_denied", "The grant requires admin permission."},
	90095:   {400, "invalid_grant", "", "access_denied", "Admin consent is required for the permissions requested by this application. An admin consent request may be sent to the admin."},
	50076:   {400, "invalid_grant", "basic_action", "interaction_required", "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000003-0000-0000-c000-000000000000'."},
	50079:   {400, "invalid_grant", "basic_action", "interaction_required", "Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '00000003-0000-0000-c000-000000000000'."},
	53003:   {400, "invalid_grant", "message_only", "access_denied", "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance."},
	70011:   {400, "invalid_scope", "", "invalid_scope", "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope %s is not valid."},
	28000:   {400, "invalid_scope", "", "invalid_scope", "Provided value for the input parameter scope is not valid because it contains more than one resource. Scope %s is not valid."},
	7000112: {400, "unauthorized_client", "", "unauthorized_client", "Application '{client}'(Latchkey) is disabled."},
	700016:  {400, "unauthorized_client", "", "unauthorized_client", "Application with identifier '{client}' was not found in the directory. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant."},
	7000215: {401, "invalid_client", "", "", "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client}'."},
	900144:  {400, "invalid_request", "", "invalid_request", "The request body must contain the following parameter: '%s'."},
	90002:   {400, "invalid_request", "", "invalid_request", "Tenant not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."},
	50011:   {400, "invalid_request", "", "invalid_request", "The redirect URI specified in the request does not match the redirect URIs configured for the application '{client}'."},
	50149:   {400, "invalid_request", "", "invalid_request", "Invalid Code_Challenge_method parameter."},
	501481:  {400, "invalid_grant", "", "", "The Code_Verifier does not match the code_challenge supplied in the authorization request."},
	70003:   {400, "unsupported_grant_type", "", "", "The app requested an unsupported grant type."},
	70016:   {400, "authorization_pending", "", "", "OAuth 2.0 device flow error. Authorization is pending. Continue polling."},
	70019:   {400, "expired_token", "", "", "Verification code expired."},
	50000:   {500, "server_error", "", "server_error", "There was an error issuing a token or an issue with our sign-in service."},
	50196:   {429, "temporarily_unavailable", "", "temporarily_unavailable", "The server terminated an operation because it encountered a client request loop. Please contact your app vendor."},
}

func msErrorFor(code int) msErrorInfo {
	if info, ok := msErrors[code]; ok {
		return info
	}
	return msErrorInfo{400, "invalid_grant", "", "invalid_request", "Emulated error."}
}

// describe builds an error_description: the AADSTS line, then Trace ID,
// Correlation ID and Timestamp lines joined with CRLF, as Microsoft does.
func (m *Microsoft) describe(code int, info msErrorInfo, arg ...string) string {
	return m.description(code, info, guid(), guid(), time.Now().UTC().Format(msTimeLayout), arg...)
}

const msTimeLayout = "2006-01-02 15:04:05Z"

func (m *Microsoft) description(code int, info msErrorInfo, trace, corr, ts string, arg ...string) string {
	text := strings.ReplaceAll(info.text, "{client}", m.ClientID)
	if strings.Contains(text, "%s") {
		text = fmt.Sprintf(text, strings.Join(arg, " "))
	}
	return fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
		code, text, trace, corr, ts)
}

// msError is the documented error shape, fields in its order.
type msError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCodes       []int  `json:"error_codes"`
	Timestamp        string `json:"timestamp"`
	TraceID          string `json:"trace_id"`
	CorrelationID    string `json:"correlation_id"`
	ErrorURI         string `json:"error_uri"`
	Suberror         string `json:"suberror,omitempty"`
	Claims           string `json:"claims,omitempty"`
}

// fail writes the JSON error for an AADSTS code. arg fills the code's %s.
func (m *Microsoft) fail(w http.ResponseWriter, code int, arg ...string) {
	m.failWith(w, code, msErrorFor(code), arg...)
}

func (m *Microsoft) failWith(w http.ResponseWriter, code int, info msErrorInfo, arg ...string) {
	trace, corr := guid(), guid()
	ts := time.Now().UTC().Format(msTimeLayout)
	e := msError{
		Error:            info.error,
		ErrorDescription: m.description(code, info, trace, corr, ts, arg...),
		ErrorCodes:       []int{code},
		Timestamp:        ts,
		TraceID:          trace,
		CorrelationID:    corr,
		ErrorURI:         fmt.Sprintf("%s/error?code=%d", m.URL, code),
		Suberror:         info.suberror,
	}
	if info.suberror == "basic_action" || code == 53003 {
		// The claims challenge Microsoft adds for conditional access.
		e.Claims = `{"access_token":{"capolids":{"essential":true,"values":["` + guid() + `"]}}}`
	}
	writeJSON(w, info.status, e)
}

// serveFault serves the provider-shaped faults.
func (m *Microsoft) serveFault(w http.ResponseWriter, f Fault) {
	switch f.kind {
	case faultInvalidGrant:
		if f.revoke {
			m.RevokeAll()
		}
		m.fail(w, f.code)
	case faultTooMany:
		w.Header().Set("Retry-After", retryAfterSeconds(f.retryAfter))
		m.fail(w, 50196)
	case faultStatus:
		info := msErrorFor(50000)
		info.status = f.status
		if f.status == http.StatusServiceUnavailable {
			info.error = "temporarily_unavailable"
		}
		m.failWith(w, 50000, info)
	}
}

// deviceGrantType is RFC 8628's grant type.
const deviceGrantType = "urn:ietf:params:oauth:grant-type:device_code"

// DeviceSignIn scripts the next device code sign-in: each poll before the
// person finishes gets the next of answers (authorization_pending or
// slow_down, which also makes the interval 5 s longer, as RFC 8628 says),
// then the outcome: "" signs in (the person consents to every scope asked
// for), expired_token, access_denied or authorization_declined (what
// Microsoft sends when the person declines) answer every later poll. With
// no script, the first poll signs in.
func (m *Microsoft) DeviceSignIn(outcome string, answers ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.script = deviceScript{answers: slices.Clone(answers), outcome: outcome}
}

// DevicePolls returns when each device code poll arrived.
func (m *Microsoft) DevicePolls() []time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.polls)
}

// DeviceTooFast counts polls that came sooner than the interval in force.
func (m *Microsoft) DeviceTooFast() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tooFast
}

// deviceCode is the device authorization endpoint.
func (m *Microsoft) deviceCode(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		m.fail(w, 900144, "client_id")
		return
	}
	form := r.PostForm
	if !m.publicClient(w, r.PathValue("tenant"), form) {
		return
	}
	if form.Get("scope") == "" {
		m.fail(w, 900144, "scope")
		return
	}
	m.mu.Lock()
	code := randomToken("DAQABAAEAAAD", 200)
	user := userCode()
	d := &msDevice{scopes: scopeList(form.Get("scope")), expiry: time.Now().Add(15 * time.Minute),
		interval: m.opts.DeviceInterval, script: m.script}
	if d.script.outcome == "expired_token" {
		d.expiry = time.Now().Add(time.Minute)
	}
	m.script = deviceScript{}
	m.devices[code] = d
	m.remember(code)
	m.mu.Unlock()
	verify := m.URL + "/devicelogin"
	writeJSON(w, http.StatusOK, map[string]any{
		"user_code":        user,
		"device_code":      code,
		"verification_uri": verify,
		"expires_in":       int(time.Until(d.expiry) / time.Second),
		"interval":         int(d.interval / time.Second),
		"message":          "To sign in, use a web browser to open the page " + verify + " and enter the code " + user + " to authenticate.",
	})
}

// publicClient checks the tenant and client of a token or device code
// request, and answers the error when one is wrong.
func (m *Microsoft) publicClient(w http.ResponseWriter, tenant string, form url.Values) bool {
	switch {
	case !m.knownTenant(tenant):
		m.fail(w, 90002)
	case form.Get("client_id") == "":
		m.fail(w, 900144, "client_id")
	case form.Get("client_id") != m.ClientID:
		m.fail(w, 700016)
	default:
		return true
	}
	return false
}

// deviceGrant answers one poll of a device code.
func (m *Microsoft) deviceGrant(w http.ResponseWriter, form url.Values) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.devices[form.Get("device_code")]
	if !ok || d.redeemed {
		m.fail(w, 9002313)
		return
	}
	now := time.Now()
	m.polls = append(m.polls, now)
	// A little slack for timer jitter; a poll at half the interval or
	// sooner is too fast.
	early := !d.lastPoll.IsZero() && now.Sub(d.lastPoll) < d.interval-d.interval/4
	d.lastPoll = now
	if early {
		m.tooFast++
		d.interval += 5 * time.Second
		m.deviceError(w, "slow_down")
		return
	}
	if len(d.script.answers) > 0 {
		a := d.script.answers[0]
		d.script.answers = d.script.answers[1:]
		if a == "slow_down" {
			d.interval += 5 * time.Second
		}
		m.deviceError(w, a)
		return
	}
	if d.script.outcome != "" {
		m.deviceError(w, d.script.outcome)
		return
	}
	d.redeemed = true
	for _, s := range d.scopes {
		if !isOIDCScope(s) {
			m.consent[strings.ToLower(s)] = s
		}
	}
	m.issue(w, d.scopes, "", nil)
}

// deviceError writes a polling error in Microsoft's shape.
func (m *Microsoft) deviceError(w http.ResponseWriter, e string) {
	switch e {
	case "authorization_pending":
		m.fail(w, 70016)
	case "expired_token":
		m.fail(w, 70019)
	default: // slow_down, access_denied, authorization_declined: no AADSTS code
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": e,
			"error_description": "The device sign-in answered " + e + ".\r\nTrace ID: " + guid(),
			"error_codes":       []int{}, "timestamp": time.Now().UTC().Format(msTimeLayout),
			"trace_id": guid(), "correlation_id": guid()})
	}
}

// userCode is a device sign-in's code for people: 9 upper-case letters and
// digits, as Microsoft's.
func userCode() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 9)
	for i := range b {
		b[i] = alphabet[mrand.IntN(len(alphabet))]
	}
	return string(b)
}
