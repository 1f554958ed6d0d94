package accounts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/accounts/catalog"
)

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		name, text string
		line       int
		msg        string
	}{
		{"syntax", "[providers.microsoft]\nclient_id = \"abc\n", 2, ""},
		{"unknown key", "[providers.microsoft]\nclientid = \"abc\"\n", 2, "unknown key"},
		{"unknown key named inside an earlier line", "[providers.microsoft]\nclient_id = \"abc\"\nid = \"x\"\n", 3, "unknown key"},
		{"unknown table", "[provider.microsoft]\nclient_id = \"abc\"\n", 1, "unknown key"},
		{"wrong type", "[providers.microsoft]\nclient_id = \"abc\"\nscopes = \"x\"\n", 3, "scopes"},
		{"bad provider name", "# my providers\n\n[providers.My_Corp]\ntype = \"oidc\"\n", 3, "provider name"},
		{"name too long", "[providers." + strings.Repeat("a", 33) + "]\n", 1, "provider name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeConfig(t, dir, tt.text)
			c, err := LoadConfig(dir)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("LoadConfig = %v, %v; want a *ConfigError", c, err)
			}
			if !errors.Is(err, ErrConfig) || ce.Path != path {
				t.Errorf("error %v: want ErrConfig naming %s", err, path)
			}
			line := ce.Line
			if line == 0 { // the line may only be in the decoder's message
				fmt.Sscanf(ce.Msg[strings.Index(ce.Msg, "line ")+len("line "):], "%d", &line)
			}
			if line != tt.line {
				t.Errorf("error %q: line %d, want %d", err, line, tt.line)
			}
			want := fmt.Sprintf("%s:%d: ", path, tt.line)
			if !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q does not start with %q", err, want)
			}
			if !strings.Contains(ce.Msg, tt.msg) {
				t.Errorf("message %q does not mention %q", ce.Msg, tt.msg)
			}
		})
	}
}

func TestLoadConfigMissingFileIsEmpty(t *testing.T) {
	dir := t.TempDir()
	c, err := LoadConfig(dir)
	if err != nil || len(c.Providers) != 0 || c.Path != filepath.Join(dir, ConfigFileName) {
		t.Fatalf("LoadConfig(empty dir) = %+v, %v", c, err)
	}
	if got := c.ProviderNames(); !slices.Equal(got, []string{"microsoft", "exchange", "google"}) {
		t.Errorf("ProviderNames = %q", got)
	}
}

// setupOf loads text as config.toml and resolves provider with flags.
func setupOf(t *testing.T, text, provider string, flags Settings) (*ProviderSetup, error) {
	t.Helper()
	dir := t.TempDir()
	writeConfig(t, dir, text)
	c, err := LoadConfig(dir)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	return c.ProviderSetup(context.Background(), provider, flags, http.DefaultClient)
}

func TestSetupSettings(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		provider string
		flags    Settings
		check    func(t *testing.T, su *ProviderSetup)
		wantErr  error  // errors.Is target; nil: must succeed
		errText  string // in the error
	}{
		{
			name: "http authority on loopback", provider: "microsoft",
			text: "[providers.microsoft]\nclient_id = \"id\"\nauthority = \"http://127.0.0.1:8080/\"\ntenant = \"organizations\"\n",
			check: func(t *testing.T, su *ProviderSetup) {
				if su.AuthURL != "http://127.0.0.1:8080/organizations/oauth2/v2.0/authorize" || su.Issuer != "http://127.0.0.1:8080/{tid}/v2.0" {
					t.Errorf("AuthURL, Issuer = %q, %q", su.AuthURL, su.Issuer)
				}
			},
		},
		{
			name: "http authority on another host", provider: "microsoft",
			text:    "[providers.microsoft]\nclient_id = \"id\"\nauthority = \"http://login.example.com\"\n",
			wantErr: ErrConfig, errText: "http:// is allowed only for",
		},
		{
			name: "http authority on a name that starts like loopback", provider: "microsoft",
			text:    "[providers.microsoft]\nclient_id = \"id\"\nauthority = \"http://127.0.0.1.evil.test\"\n",
			wantErr: ErrConfig, errText: "http:// is allowed only for",
		},
		{
			name: "ftp token url", provider: "google",
			text:    "[providers.google]\nclient_id = \"id\"\nclient_secret = \"s\"\ntoken_url = \"ftp://x.test/token\"\n",
			wantErr: ErrConfig, errText: "only https://",
		},
		{
			name: "unknown cloud", provider: "microsoft",
			text:    "[providers.microsoft]\nclient_id = \"id\"\ncloud = \"germany\"\n",
			wantErr: ErrConfig, errText: `cloud "germany"`,
		},
		{
			name: "bad tenant", provider: "microsoft",
			text:    "[providers.microsoft]\nclient_id = \"id\"\ntenant = \"../x\"\n",
			wantErr: ErrConfig, errText: "tenant",
		},
		{
			name: "type on a built-in provider", provider: "google",
			text:    "[providers.google]\ntype = \"oidc\"\nclient_id = \"id\"\n",
			wantErr: ErrConfig, errText: "is built in",
		},
		{
			name: "flags override file", provider: "google",
			text:  "[providers.google]\nclient_id = \"file-id\"\nclient_secret = \"file-secret\"\nscopes = [\"openid\", \"email\"]\n",
			flags: Settings{ClientID: "flag-id", Scopes: []string{"openid", "https://www.googleapis.com/auth/calendar"}},
			check: func(t *testing.T, su *ProviderSetup) {
				if su.ClientID != "flag-id" || su.ClientSecret != "file-secret" {
					t.Errorf("client = %q, %q; want the flag's id and the file's secret", su.ClientID, su.ClientSecret)
				}
				if !slices.Equal(su.Scopes, []string{"openid", "https://www.googleapis.com/auth/calendar"}) {
					t.Errorf("Scopes = %q, want the flag's", su.Scopes)
				}
			},
		},
		{
			name: "exchange resource override", provider: "exchange",
			text: "[providers.exchange]\nclient_id = \"id\"\nresource = \"https://mail.contoso.test/\"\n",
			check: func(t *testing.T, su *ProviderSetup) {
				if su.Resource != "https://mail.contoso.test" {
					t.Errorf("Resource = %q", su.Resource)
				}
				want := []string{"openid", "profile", "email", "offline_access", "https://mail.contoso.test/IMAP.AccessAsUser.All", "https://mail.contoso.test/SMTP.Send"}
				if !slices.Equal(su.Scopes, want) {
					t.Errorf("Scopes = %q, want %q", su.Scopes, want)
				}
			},
		},
		{
			name: "exchange resource in the usgov cloud", provider: "exchange",
			text: "[providers.exchange]\nclient_id = \"id\"\ncloud = \"usgov\"\n",
			check: func(t *testing.T, su *ProviderSetup) {
				if !slices.Contains(su.Scopes, "https://outlook.office365.us/SMTP.Send") || su.Resource != "https://outlook.office365.us" {
					t.Errorf("Scopes, Resource = %q, %q", su.Scopes, su.Resource)
				}
			},
		},
		{
			name: "resource on microsoft", provider: "microsoft",
			text:    "[providers.microsoft]\nclient_id = \"id\"\nresource = \"https://x.test\"\n",
			wantErr: ErrConfig, errText: "exchange provider only",
		},
		{
			name: "custom provider without issuer", provider: "corp",
			text:    "[providers.corp]\ntype = \"oidc\"\nclient_id = \"id\"\n",
			wantErr: ErrConfig, errText: "needs `issuer` and `client_id`",
		},
		{
			name: "custom provider without client id", provider: "corp",
			text:    "[providers.corp]\ntype = \"oidc\"\nissuer = \"https://id.corp.test\"\n",
			wantErr: ErrConfig, errText: "needs `issuer` and `client_id`",
		},
		{
			name: "custom provider of another type", provider: "corp",
			text:    "[providers.corp]\ntype = \"saml\"\n",
			wantErr: ErrConfig, errText: "not supported",
		},
		{
			name: "custom provider over http", provider: "corp",
			text:    "[providers.corp]\ntype = \"oidc\"\nclient_id = \"id\"\nissuer = \"http://id.corp.test\"\n",
			wantErr: ErrConfig, errText: "http:// is allowed only for",
		},
		{
			name: "unknown provider", provider: "yahoo",
			wantErr: ErrUsage, errText: "microsoft, exchange, google",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			su, err := setupOf(t, tt.text, tt.provider, tt.flags)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Setup: %v", err)
				}
				tt.check(t, su)
				return
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.errText) {
				t.Fatalf("Setup = %v, want %v mentioning %q", err, tt.wantErr, tt.errText)
			}
			var ce *ConfigError
			if errors.As(err, &ce) && !strings.HasSuffix(ce.Path, ConfigFileName) {
				t.Errorf("ConfigError.Path = %q", ce.Path)
			}
		})
	}
}

func TestSetupNoClient(t *testing.T) {
	for _, p := range catalog.Providers() {
		t.Run(p.Name, func(t *testing.T) {
			su, err := setupOf(t, "", p.Name, Settings{})
			var nce *NoClientError
			if !errors.As(err, &nce) || nce.SecretOnly || nce.Provider != p.Name {
				t.Fatalf("Setup = %+v, %v; want *NoClientError", su, err)
			}
			if !errors.Is(err, ErrConfig) || !strings.Contains(nce.Help, ConfigFileName) || !strings.Contains(nce.Help, "[providers."+p.Name+"]") {
				t.Errorf("error %v, help %q: want ErrConfig and help naming the file and table", err, nce.Help)
			}
			if strings.Contains(nce.Help, "%!") {
				t.Errorf("help has a formatting error: %q", nce.Help)
			}
		})
	}
}

func TestBuildTimeClientIDs(t *testing.T) {
	ms, gid, gsec := defaultMicrosoftClientID, defaultGoogleClientID, defaultGoogleClientSecret
	t.Cleanup(func() { defaultMicrosoftClientID, defaultGoogleClientID, defaultGoogleClientSecret = ms, gid, gsec })
	defaultMicrosoftClientID, defaultGoogleClientID, defaultGoogleClientSecret = "built-ms", "built-g", "built-gs"

	for _, name := range []string{"microsoft", "exchange"} {
		su, err := setupOf(t, "", name, Settings{})
		if err != nil || su.ClientID != "built-ms" {
			t.Errorf("%s: Setup = %+v, %v; want the build-time client id", name, su, err)
		}
	}
	su, err := setupOf(t, "", "google", Settings{})
	if err != nil || su.ClientID != "built-g" || su.ClientSecret != "built-gs" {
		t.Errorf("google: Setup = %+v, %v; want the build-time client", su, err)
	}
	// A person's own client id comes without the built-in secret.
	_, err = setupOf(t, "", "google", Settings{ClientID: "mine"})
	var nce *NoClientError
	if !errors.As(err, &nce) || !nce.SecretOnly {
		t.Errorf("google with own id and no secret: %v, want *NoClientError{SecretOnly}", err)
	}
	su, err = setupOf(t, "[providers.microsoft]\nclient_id = \"mine\"\n", "microsoft", Settings{})
	if err != nil || su.ClientID != "mine" {
		t.Errorf("microsoft with own id: %+v, %v", su, err)
	}
}

func TestCustomOIDCDiscovery(t *testing.T) {
	var issuer string
	var doc map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, mustJSON(t, doc))
	}))
	defer srv.Close()
	issuer = srv.URL
	cfg := fmt.Sprintf("[providers.corp]\ntype = \"oidc\"\nclient_id = \"cid\"\nissuer = %q\n", issuer)

	doc = map[string]any{"issuer": issuer, "authorization_endpoint": issuer + "/auth", "token_endpoint": issuer + "/token",
		"revocation_endpoint": "http://elsewhere.test/revoke", "authorization_response_iss_parameter_supported": true}
	su, err := setupOf(t, cfg, "corp", Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if su.Family != catalog.FamilyOIDC || su.TokenURL != issuer+"/token" || su.AuthResponseIssuer != issuer || su.RevokeURL != "" || su.RedirectHost != "127.0.0.1" {
		t.Errorf("Setup = %+v (a non-loopback http revocation endpoint must be dropped)", su)
	}
	if !slices.Contains(su.Scopes, "offline_access") {
		t.Errorf("default scopes %q", su.Scopes)
	}
	if !su.AuthResponseIssuerRequired {
		t.Error("an advertised iss is not required")
	}
	// RFC 9207: an iss is compared even when the provider does not
	// advertise it; it is just not required then.
	delete(doc, "authorization_response_iss_parameter_supported")
	if su, err := setupOf(t, cfg, "corp", Settings{}); err != nil || su.AuthResponseIssuer != issuer || su.AuthResponseIssuerRequired {
		t.Errorf("not advertised: AuthResponseIssuer %q, required %v, %v; want %q, not required", su.AuthResponseIssuer, su.AuthResponseIssuerRequired, err, issuer)
	}

	doc["issuer"] = issuer + "/other"
	if _, err := setupOf(t, cfg, "corp", Settings{}); !errors.Is(err, ErrProvider) {
		t.Errorf("issuer mismatch: %v, want ErrProvider", err)
	}
	doc["issuer"] = issuer
	doc["token_endpoint"] = "http://tokens.example.test/token"
	if _, err := setupOf(t, cfg, "corp", Settings{}); !errors.Is(err, ErrProvider) {
		t.Errorf("http token endpoint: %v, want ErrProvider", err)
	}

	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	c, _ := LoadConfig(dir)
	if got := c.ProviderNames(); !slices.Equal(got, []string{"microsoft", "exchange", "google", "corp"}) {
		t.Errorf("ProviderNames = %q", got)
	}
}

func TestCheckEndpoint(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://login.example.com", true},
		{"http://127.0.0.1:1234", true},
		{"http://[::1]:1234/x", true},
		{"http://localhost", true},
		{"http://127.0.0.2", true},
		{"http://example.com", false},
		{"http://localhost.example.com", false},
		{"https://", false},
		{"/relative", false},
		{"javascript:alert(1)", false},
		{"file:///etc/passwd", false},
	}
	for _, tt := range tests {
		if err := checkEndpoint("k", tt.url); (err == nil) != tt.ok {
			t.Errorf("checkEndpoint(%q) = %v, want ok=%v", tt.url, err, tt.ok)
		}
	}
}

// TestDefaultRegistrationPerCloud: each Microsoft cloud takes its own
// build-time client id, config.toml's client_id wins, and Registrations
// says which one a connect would use.
func TestDefaultRegistrationPerCloud(t *testing.T) {
	saved := []*string{&defaultMicrosoftClientID, &defaultMicrosoftUSGovClientID, &defaultMicrosoftChinaClientID, &defaultGoogleClientID, &defaultGoogleClientSecret}
	old := make([]string, len(saved))
	for i, p := range saved {
		old[i] = *p
	}
	t.Cleanup(func() {
		for i, p := range saved {
			*p = old[i]
		}
	})
	defaultMicrosoftClientID, defaultMicrosoftUSGovClientID, defaultMicrosoftChinaClientID = "ms-global", "ms-gov", ""
	defaultGoogleClientID, defaultGoogleClientSecret = "g-id", ""

	for _, c := range []struct{ cloud, want string }{{"", "ms-global"}, {"usgov", "ms-gov"}, {"usgov-dod", "ms-gov"}} {
		su, err := setupOf(t, "", "exchange", Settings{Cloud: c.cloud})
		if err != nil || su.ClientID != c.want || !su.DefaultClient {
			t.Errorf("cloud %q: Setup = %+v, %v; want default %q", c.cloud, su, err, c.want)
		}
	}
	var nce *NoClientError
	if _, err := setupOf(t, "", "microsoft", Settings{Cloud: "china"}); !errors.As(err, &nce) {
		t.Errorf("china without a default: %v, want *NoClientError", err)
	}
	if HasDefaultRegistration("google", "") {
		t.Error("google's default without its secret counts as a registration")
	}
	if !HasDefaultRegistration("microsoft", "") || HasDefaultRegistration("microsoft", "china") || HasDefaultRegistration("nosuch", "") {
		t.Error("HasDefaultRegistration is wrong for microsoft")
	}
	su, err := setupOf(t, "[providers.microsoft]\nclient_id = \"mine\"\n", "microsoft", Settings{})
	if err != nil || su.ClientID != "mine" || su.DefaultClient {
		t.Errorf("own client id: %+v, %v", su, err)
	}
	cfg, err := parseConfig("config.toml", []byte("[providers.microsoft]\nclient_id = \"mine\"\n[providers.exchange]\ncloud = \"china\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Registration{
		{Provider: "microsoft", Cloud: "global", ClientID: "mine", Source: RegistrationConfig},
		{Provider: "exchange", Cloud: "china", Source: RegistrationNone},
		{Provider: "google", Source: RegistrationNone},
	}
	if got := cfg.Registrations(); !reflect.DeepEqual(got, want) {
		t.Errorf("Registrations = %+v\nwant %+v", got, want)
	}
}
