package accounts

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/latchkey/latchkey/accounts/catalog"
)

// Build-time default client registrations, one per provider family and
// Microsoft cloud, set by whoever builds Latchkey (a distribution, a
// company's IT) with
//
//	go build -ldflags "-X github.com/latchkey/latchkey/accounts.defaultMicrosoftClientID=..."
//
// or `make cli LATCHKEY_MICROSOFT_CLIENT_ID=...` (see the Makefile and the
// README). A client_id in config.toml or --client-id still wins. No real
// client id ships with the source: a borrowed id gets disabled by its
// owner, and every user is then locked out at once.
var (
	defaultMicrosoftClientID      string // global cloud: microsoft and exchange
	defaultMicrosoftUSGovClientID string // usgov and usgov-dod (Azure Government)
	defaultMicrosoftChinaClientID string // china (21Vianet)
	defaultGoogleClientID         string
	defaultGoogleClientSecret     string
)

// defaultClient returns the build-time registration of family in cloud
// (Microsoft only; "" is global), "" when the build has none.
func defaultClient(family catalog.Family, cloud string) (id, secret string) {
	switch family {
	case catalog.FamilyMicrosoft:
		switch cloud {
		case "", "global":
			return defaultMicrosoftClientID, ""
		case "usgov", "usgov-dod":
			return defaultMicrosoftUSGovClientID, ""
		case "china":
			return defaultMicrosoftChinaClientID, ""
		}
	case catalog.FamilyGoogle:
		return defaultGoogleClientID, defaultGoogleClientSecret
	}
	return "", ""
}

// Registration says which app registration a provider signs in with.
type Registration struct {
	// Provider is the provider's name; Cloud its Microsoft cloud ("" elsewhere).
	Provider, Cloud string
	// ClientID is the client in use, "" when there is none yet.
	ClientID string
	// Source is RegistrationConfig, RegistrationBuiltIn or RegistrationNone.
	Source string
}

// Where a provider's registration comes from.
const (
	RegistrationConfig  = "config.toml"
	RegistrationBuiltIn = "built-in default"
	RegistrationNone    = "none"
)

// HasDefaultRegistration reports whether this build carries a default app
// registration for the built-in provider name in cloud ("" is global), so
// a person can connect without registering an app.
func HasDefaultRegistration(name, cloud string) bool {
	p, ok := catalog.Lookup(name)
	if !ok {
		return false
	}
	id, secret := defaultClient(p.Family, cloud)
	return id != "" && (!p.NeedsClientSecret || secret != "")
}

// Registrations says, for each built-in provider, which app registration
// a connect without --client-id would use: config.toml's, the build's
// default or none.
func (c *Config) Registrations() []Registration {
	var out []Registration
	for _, p := range catalog.Providers() {
		s := c.Providers[p.Name]
		r := Registration{Provider: p.Name, ClientID: s.ClientID, Source: RegistrationConfig}
		if p.Family == catalog.FamilyMicrosoft {
			r.Cloud = cmp.Or(s.Cloud, "global")
		}
		if r.ClientID == "" {
			r.Source = RegistrationNone
			if HasDefaultRegistration(p.Name, r.Cloud) {
				r.ClientID, _ = defaultClient(p.Family, r.Cloud)
				r.Source = RegistrationBuiltIn
			}
		}
		out = append(out, r)
	}
	return out
}

// ConfigFileName is the name of the configuration file in the config dir.
const ConfigFileName = "config.toml"

// ConfigDir returns where Latchkey keeps its configuration and account
// index: $LATCHKEY_CONFIG_DIR, else the OS user config dir + "/latchkey".
func ConfigDir() (string, error) {
	if d := os.Getenv("LATCHKEY_CONFIG_DIR"); d != "" {
		return d, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("%w: no config dir: %v (set LATCHKEY_CONFIG_DIR)", ErrConfig, err)
	}
	return filepath.Join(base, "latchkey"), nil
}

// Settings are the keys of one [providers.NAME] table of config.toml; the
// command's flags fill the same struct and win over the file.
type Settings struct {
	Type         string   `toml:"type"`
	ClientID     string   `toml:"client_id"`
	ClientSecret string   `toml:"client_secret"`
	Tenant       string   `toml:"tenant"`
	Cloud        string   `toml:"cloud"`
	Authority    string   `toml:"authority"`
	Resource     string   `toml:"resource"`
	AuthorizeURL string   `toml:"authorize_url"`
	TokenURL     string   `toml:"token_url"`
	RevokeURL    string   `toml:"revoke_url"`
	Issuer       string   `toml:"issuer"`
	Scopes       []string `toml:"scopes"`
	// IMAPHost and SMTPHost (HOST[:PORT]) name the account's mail servers
	// where Latchkey does not know them (Exchange Server on premises, an
	// OpenID provider) or they differ; --imap-host and --smtp-host win.
	IMAPHost string `toml:"imap_host"`
	SMTPHost string `toml:"smtp_host"`
	// ProfileURL is where `latchkey check` reads the account's profile
	// with its default token (default: Graph's /v1.0/me of the account's
	// cloud, the Gmail API's users/me/profile). https, or http on a
	// loopback address.
	ProfileURL string `toml:"profile_url"`
}

// over returns s with every field that o sets replaced by o's.
func (s Settings) over(o Settings) Settings {
	pick := func(a, b string) string {
		if b != "" {
			return b
		}
		return a
	}
	s.Type = pick(s.Type, o.Type)
	s.ClientID = pick(s.ClientID, o.ClientID)
	s.ClientSecret = pick(s.ClientSecret, o.ClientSecret)
	s.Tenant = pick(s.Tenant, o.Tenant)
	s.Cloud = pick(s.Cloud, o.Cloud)
	s.Authority = pick(s.Authority, o.Authority)
	s.Resource = pick(s.Resource, o.Resource)
	s.AuthorizeURL = pick(s.AuthorizeURL, o.AuthorizeURL)
	s.TokenURL = pick(s.TokenURL, o.TokenURL)
	s.RevokeURL = pick(s.RevokeURL, o.RevokeURL)
	s.Issuer = pick(s.Issuer, o.Issuer)
	s.IMAPHost = pick(s.IMAPHost, o.IMAPHost)
	s.SMTPHost = pick(s.SMTPHost, o.SMTPHost)
	s.ProfileURL = pick(s.ProfileURL, o.ProfileURL)
	if len(o.Scopes) > 0 {
		s.Scopes = o.Scopes
	}
	return s
}

// Config is the parsed config.toml.
type Config struct {
	// Path is the file it came from (it may not exist).
	Path      string
	Providers map[string]Settings
	// Hooks are the commands run on account events (hooks.go).
	Hooks HookSettings
}

type configFile struct {
	Providers map[string]Settings `toml:"providers"`
	Hooks     HookSettings        `toml:"hooks"`
}

var providerName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`) })

// LoadConfig reads config.toml from dir. A missing file is an empty
// configuration; a malformed one is an error naming the file and line.
//
// A config.toml, or a config dir, that another user could have written is
// refused with an ErrStorage error (trust.go): it names the endpoints
// sign-in sends codes and secrets to.
func LoadConfig(dir string) (*Config, error) {
	path := filepath.Join(dir, ConfigFileName)
	data, err := readTrusted(dir, ConfigFileName)
	if errors.Is(err, os.ErrNotExist) {
		return &Config{Path: path, Providers: map[string]Settings{}}, nil
	}
	if errors.Is(err, ErrStorage) {
		return nil, err
	}
	if err != nil {
		return nil, &ConfigError{Path: path, Msg: err.Error()}
	}
	return parseConfig(path, data)
}

// parseConfig parses data, the text of the config.toml at path.
func parseConfig(path string, data []byte) (*Config, error) {
	c := &Config{Path: path, Providers: map[string]Settings{}}
	var f configFile
	md, err := toml.Decode(string(data), &f)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			msg := pe.Message
			if lines := strings.Split(string(data), "\n"); pe.Position.Line > 0 && pe.Position.Line <= len(lines) &&
				strings.Contains(lines[pe.Position.Line-1], "secret") {
				// The parser quotes the bad value, which may be a secret.
				msg = "this line cannot be read; write the value as a quoted string, e.g. client_secret = \"...\""
			}
			return nil, &ConfigError{Path: path, Line: pe.Position.Line, Msg: msg}
		}
		// Type errors name their line only in the text: "toml: line N ...".
		line := 0
		fmt.Sscanf(strings.TrimPrefix(err.Error(), "toml: line "), "%d", &line)
		return nil, &ConfigError{Path: path, Line: line, Msg: err.Error()}
	}
	if und := md.Undecoded(); len(und) > 0 {
		k := und[0]
		if k[0] == "hooks" {
			return nil, &ConfigError{Path: path, Line: lineOfKey(data, k[len(k)-1]),
				Msg: fmt.Sprintf("unknown key %q (the keys of [hooks] are timeout and the events: %s)", k.String(), strings.Join(HookEvents, ", "))}
		}
		return nil, &ConfigError{Path: path, Line: lineOfKey(data, k[len(k)-1]),
			Msg: fmt.Sprintf("unknown key %q (known keys: type, client_id, client_secret, tenant, cloud, authority, resource, authorize_url, token_url, revoke_url, issuer, scopes, imap_host, smtp_host, profile_url, all under [providers.NAME])", k.String())}
	}
	for name, s := range f.Providers {
		if !providerName().MatchString(name) {
			return nil, &ConfigError{Path: path, Line: lineOfKey(data, name), Msg: fmt.Sprintf("provider name %q: use lower-case letters, digits and dashes", name)}
		}
		c.Providers[name] = s
	}
	if key, problem := f.Hooks.check(); problem != "" {
		return nil, &ConfigError{Path: path, Line: lineOfKey(data, key), Msg: problem}
	}
	c.Hooks = f.Hooks
	return c, nil
}

// lineOfKey finds the line that sets key (else the first that mentions
// it), for error messages.
func lineOfKey(data []byte, key string) int {
	lines := strings.Split(string(data), "\n")
	q := regexp.QuoteMeta(key)
	def := regexp.MustCompile(`^\s*(` + q + `|"` + q + `"|'` + q + `')\s*=|\[\s*providers\.(` + q + `|"` + q + `")\s*\]`)
	for i, line := range lines {
		if def.MatchString(line) {
			return i + 1
		}
	}
	for i, line := range lines {
		if strings.Contains(line, key) {
			return i + 1
		}
	}
	return 0
}

// ProviderNames lists the built-in providers and those config.toml defines.
func (c *Config) ProviderNames() []string {
	var names []string
	for _, p := range catalog.Providers() {
		names = append(names, p.Name)
	}
	for name, s := range c.Providers {
		if _, ok := catalog.Lookup(name); !ok && s.Type == "oidc" {
			names = append(names, name)
		}
	}
	slices.Sort(names[len(catalog.Providers()):])
	return names
}

// ProviderSetup is one provider as this person has set it up: endpoints, client
// registration and what to ask for. It is what a sign-in needs.
type ProviderSetup struct {
	Provider string
	Title    string
	Family   catalog.Family
	AuthURL  string
	TokenURL string
	// RevokeURL is the RFC 7009 endpoint, "" where the provider has none.
	RevokeURL string
	// DeviceURL is the RFC 8628 device authorization endpoint, "" where
	// Latchkey offers no device sign-in (Google's cannot grant mail scopes).
	DeviceURL string
	// Issuer is the expected ID-token issuer; "{tid}" in it stands for the
	// tenant id claim (Microsoft multi-tenant sign-in).
	Issuer string
	// AuthResponseIssuer is the `iss` expected in the authorization
	// response (RFC 9207), compared whenever the response carries one;
	// "{tid}" in it stands for any tenant GUID (Microsoft before sign-in).
	AuthResponseIssuer string
	// AuthResponseIssuerRequired: the provider advertises
	// authorization_response_iss_parameter_supported (or, like Google,
	// always sends iss), so a response without one is refused.
	AuthResponseIssuerRequired bool
	ClientID                   string
	ClientSecret               string
	// DefaultClient: ClientID is the build's default registration, not
	// the person's own.
	DefaultClient bool
	// Tenant is the Microsoft tenant setting (common, organizations, ...).
	Tenant string
	// Resource is the default resource of access tokens (Microsoft), "" elsewhere.
	Resource string
	// Graph is Microsoft Graph's resource in this cloud (Microsoft only).
	Graph        string
	Scopes       []string
	RedirectHost string
	AuthParams   url.Values
}

// ProviderSetup resolves provider name with the file's settings overridden by
// flags. Generic OpenID providers are looked up through their discovery
// document, which needs client.
func (c *Config) ProviderSetup(ctx context.Context, name string, flags Settings, client *http.Client) (*ProviderSetup, error) {
	s := c.Providers[name].over(flags)
	bad := func(format string, a ...any) error {
		return &ConfigError{Path: c.Path, Msg: fmt.Sprintf("[providers.%s] ", name) + fmt.Sprintf(format, a...)}
	}
	if p, ok := catalog.Lookup(name); ok {
		if s.Type != "" && s.Type != string(p.Family) && !(p.Family == catalog.FamilyMicrosoft && s.Type == "microsoft") {
			return nil, bad("%q is built in; remove `type` or use another name for a custom provider", name)
		}
		return c.builtinSetup(p, s, bad)
	}
	if _, ok := c.Providers[name]; !ok {
		return nil, fmt.Errorf("%w: unknown provider %q: choose one of %s, or define [providers.%s] with type = \"oidc\" in %s",
			ErrUsage, name, strings.Join(c.ProviderNames(), ", "), name, c.Path)
	}
	if s.Type != "oidc" {
		return nil, bad("type = %q is not supported: custom providers need type = \"oidc\"", s.Type)
	}
	if s.Issuer == "" || s.ClientID == "" {
		return nil, bad("a custom OpenID Connect provider needs `issuer` and `client_id`")
	}
	if err := checkEndpoint("issuer", s.Issuer); err != nil {
		return nil, bad("%v", err)
	}
	d, err := discover(ctx, client, s.Issuer)
	if err != nil {
		return nil, err
	}
	for _, e := range []struct{ key, u string }{{"authorization_endpoint", d.AuthorizationEndpoint}, {"token_endpoint", d.TokenEndpoint}} {
		if err := checkEndpoint(e.key, e.u); err != nil {
			return nil, fmt.Errorf("%w: discovery document of %s: %v", ErrProvider, s.Issuer, err)
		}
	}
	if d.RevocationEndpoint != "" && checkEndpoint("revocation_endpoint", d.RevocationEndpoint) != nil {
		d.RevocationEndpoint = ""
	}
	scopes := s.Scopes
	if len(scopes) == 0 {
		scopes = []string{"openid", "email", "profile", "offline_access"}
	}
	su := &ProviderSetup{
		Provider: name, Title: name, Family: catalog.FamilyOIDC,
		AuthURL: d.AuthorizationEndpoint, TokenURL: d.TokenEndpoint, RevokeURL: d.RevocationEndpoint,
		Issuer: d.Issuer, ClientID: s.ClientID, ClientSecret: s.ClientSecret,
		Scopes: scopes, RedirectHost: "127.0.0.1", AuthParams: url.Values{},
	}
	// RFC 9207: the discovered issuer is what an iss must be, advertised
	// or not; only an advertising provider must send one.
	su.AuthResponseIssuer, su.AuthResponseIssuerRequired = d.Issuer, d.ISSParameterSupported
	return su, nil
}

func (c *Config) builtinSetup(p catalog.Provider, s Settings, bad func(string, ...any) error) (*ProviderSetup, error) {
	su := &ProviderSetup{
		Provider: p.Name, Title: p.Title, Family: p.Family,
		ClientID: s.ClientID, ClientSecret: s.ClientSecret,
		Scopes: slices.Clone(p.Scopes), RedirectHost: p.RedirectHost, AuthParams: url.Values{},
	}
	for k, v := range p.AuthParams {
		su.AuthParams[k] = slices.Clone(v)
	}
	if len(s.Scopes) > 0 {
		su.Scopes = s.Scopes
	}
	var err error
	switch p.Family {
	case catalog.FamilyMicrosoft:
		err = microsoftSetup(su, p, s, bad)
	case catalog.FamilyGoogle:
		err = googleSetup(su, p, s, bad)
	}
	if err != nil {
		return nil, err
	}
	if su.ClientID == "" {
		return nil, &NoClientError{Provider: p.Name, Help: fmt.Sprintf(p.Register, c.Path)}
	}
	if p.NeedsClientSecret && su.ClientSecret == "" {
		return nil, &NoClientError{Provider: p.Name, Help: fmt.Sprintf(p.Register, c.Path), SecretOnly: true}
	}
	return su, nil
}

// microsoftSetup fills in su for a Microsoft provider: the cloud's
// endpoints and resources, the tenant, this build's client if none is set.
func microsoftSetup(su *ProviderSetup, p catalog.Provider, s Settings, bad func(string, ...any) error) error {
	cloudName := s.Cloud
	if cloudName == "" {
		cloudName = "global"
	}
	if su.ClientID == "" {
		su.ClientID, _ = defaultClient(p.Family, cloudName)
		su.DefaultClient = su.ClientID != ""
	}
	cl, ok := catalog.Cloud(cloudName)
	if !ok {
		return bad("cloud %q is not one of global, usgov, usgov-dod, china", cloudName)
	}
	authority := strings.TrimRight(cl.Login, "/")
	if s.Authority != "" {
		if err := checkEndpoint("authority", s.Authority); err != nil {
			return bad("%v", err)
		}
		authority = strings.TrimRight(s.Authority, "/")
	}
	tenant := s.Tenant
	if tenant == "" {
		tenant = "common"
	}
	if !regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,99}$`).MatchString(tenant) {
		return bad("tenant %q: use common, organizations, consumers, a tenant id or a domain", tenant)
	}
	su.Tenant = tenant
	su.AuthURL = authority + "/" + url.PathEscape(tenant) + "/oauth2/v2.0/authorize"
	su.TokenURL = authority + "/" + url.PathEscape(tenant) + "/oauth2/v2.0/token"
	su.DeviceURL = authority + "/" + url.PathEscape(tenant) + "/oauth2/v2.0/devicecode"
	su.Issuer = authority + "/{tid}/v2.0"
	if s.Issuer != "" {
		su.Issuer = s.Issuer
	}
	su.AuthResponseIssuer = microsoftResponseIssuer(su.Issuer, tenant)
	su.Graph = cl.Graph
	su.Scopes = catalog.MoveScopesToCloud(su.Scopes, cl)
	su.Resource = cl.Graph
	if p.Resource == catalog.GlobalCloud().Outlook {
		su.Resource = cl.Outlook
	}
	if s.Resource != "" {
		return exchangeResource(su, p, s.Resource, bad)
	}
	return nil
}

// exchangeResource moves su's scopes to an on-premises Exchange Server
// resource (hybrid modern auth): the same scopes on another resource.
func exchangeResource(su *ProviderSetup, p catalog.Provider, resource string, bad func(string, ...any) error) error {
	if !p.OnPremisesResource {
		return bad("`resource` applies to the exchange provider only")
	}
	if err := checkEndpoint("resource", resource); err != nil {
		return bad("%v", err)
	}
	r := strings.TrimRight(resource, "/")
	for i, sc := range su.Scopes {
		if strings.HasPrefix(sc, su.Resource+"/") {
			su.Scopes[i] = r + strings.TrimPrefix(sc, su.Resource)
		}
	}
	su.Resource = r
	return nil
}

// googleSetup fills in su for Google: its endpoints, each overridable in
// config.toml, this build's client if none is set.
func googleSetup(su *ProviderSetup, p catalog.Provider, s Settings, bad func(string, ...any) error) error {
	if su.ClientID == "" {
		su.ClientID, su.ClientSecret = defaultClient(catalog.FamilyGoogle, "")
		su.DefaultClient = su.ClientID != ""
	}
	e := p.Endpoints
	su.AuthURL, su.TokenURL, su.RevokeURL, su.Issuer = e.Auth, e.Token, e.Revoke, e.Issuer
	for _, o := range []struct {
		key string
		val string
		dst *string
	}{{"authorize_url", s.AuthorizeURL, &su.AuthURL}, {"token_url", s.TokenURL, &su.TokenURL}, {"revoke_url", s.RevokeURL, &su.RevokeURL}, {"issuer", s.Issuer, &su.Issuer}} {
		if o.val == "" {
			continue
		}
		if err := checkEndpoint(o.key, o.val); err != nil {
			return bad("%v", err)
		}
		*o.dst = o.val
	}
	su.AuthResponseIssuer, su.AuthResponseIssuerRequired = su.Issuer, true
	return nil
}

// microsoftResponseIssuer is the iss a Microsoft authorization response
// may carry: exact where the tenant is known before sign-in (a tenant
// GUID, or consumers, whose accounts all live in one fixed tenant), else
// the issuer template, whose {tid} only the ID token settles. Microsoft
// does not advertise the parameter, so none is required.
func microsoftResponseIssuer(issuer, tenant string) string {
	switch t := strings.ToLower(tenant); {
	case t == "consumers":
		return strings.ReplaceAll(issuer, "{tid}", catalog.MicrosoftConsumerTenant)
	case tenantGUID().MatchString(t):
		return strings.ReplaceAll(issuer, "{tid}", t)
	}
	return issuer
}

// checkEndpoint accepts https URLs, and http only for loopback hosts.
func checkEndpoint(key, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%s %q is not an absolute URL", key, raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopbackHost(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%s %q: http:// is allowed only for 127.0.0.1, [::1] or localhost; use https://", key, raw)
	}
	return fmt.Errorf("%s %q: only https:// URLs are allowed", key, raw)
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// discovery is the part of an OpenID provider's discovery document we use.
type discovery struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	RevocationEndpoint    string `json:"revocation_endpoint"`
	ISSParameterSupported bool   `json:"authorization_response_iss_parameter_supported"`
}

func discover(ctx context.Context, client *http.Client, issuer string) (*discovery, error) {
	u := strings.TrimRight(issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: discovery %s: %v", ErrConfig, u, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: could not reach %s: %v", ErrProviderUnreachable, u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s answered %s", ErrProviderUnreachable, u, resp.Status)
	}
	var d discovery
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&d); err != nil {
		return nil, fmt.Errorf("%w: %s is not an OpenID discovery document: %v", ErrProvider, u, err)
	}
	if d.Issuer != issuer {
		return nil, fmt.Errorf("%w: %s names issuer %q, expected %q exactly", ErrProvider, u, d.Issuer, issuer)
	}
	return &d, nil
}
