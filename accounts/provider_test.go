package accounts

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/accounts/catalog"
)

// TestBuiltinProviders walks the provider table and every Microsoft cloud:
// each combination must resolve to a usable Setup.
func TestBuiltinProviders(t *testing.T) {
	for _, p := range catalog.Providers() {
		clouds := []string{""}
		if p.Family == catalog.FamilyMicrosoft {
			clouds = []string{"", "global", "usgov", "usgov-dod", "china"}
		}
		for _, cloud := range clouds {
			t.Run(p.Name+"/"+cloud, func(t *testing.T) {
				c := &Config{Path: "/cfg/config.toml", Providers: map[string]Settings{
					p.Name: {ClientID: "client-1", ClientSecret: secretFor(p), Cloud: cloud},
				}}
				su, err := c.ProviderSetup(context.Background(), p.Name, Settings{}, nil)
				if err != nil {
					t.Fatalf("Setup: %v", err)
				}
				if su.Provider != p.Name || su.Title != p.Title || su.Family != p.Family || su.ClientID != "client-1" {
					t.Errorf("Setup = %+v, want the table's name, title, family and the given client id", su)
				}
				if su.RedirectHost != p.RedirectHost {
					t.Errorf("RedirectHost = %q, want %q", su.RedirectHost, p.RedirectHost)
				}
				for _, u := range []string{su.AuthURL, su.TokenURL, su.Issuer} {
					if pu, err := url.Parse(u); err != nil || pu.Scheme != "https" || pu.Host == "" {
						t.Errorf("endpoint %q is not an https URL", u)
					}
				}
				if !slices.Contains(su.Scopes, "openid") {
					t.Errorf("scopes %q lack openid", su.Scopes)
				}
				if p.Register == "" || !strings.Contains(p.Register, "%s") {
					t.Errorf("Register help has no %%s for the config path")
				}
				switch p.Family {
				case catalog.FamilyMicrosoft:
					checkMicrosoftSetup(t, p, su, cloud)
				case catalog.FamilyGoogle:
					checkGoogleSetup(t, c, p, su)
				default:
					t.Errorf("built-in provider of family %q: no test for it", p.Family)
				}
			})
		}
	}
}

func secretFor(p catalog.Provider) string {
	if p.NeedsClientSecret {
		return "secret-1"
	}
	return ""
}

func checkMicrosoftSetup(t *testing.T, p catalog.Provider, su *ProviderSetup, cloud string) {
	t.Helper()
	cl, _ := catalog.Cloud(cloud)
	if cloud == "" {
		cl = catalog.GlobalCloud()
	}
	if want := cl.Login + "/common/oauth2/v2.0/authorize"; su.AuthURL != want {
		t.Errorf("AuthURL = %q, want %q", su.AuthURL, want)
	}
	if want := cl.Login + "/common/oauth2/v2.0/token"; su.TokenURL != want {
		t.Errorf("TokenURL = %q, want %q", su.TokenURL, want)
	}
	if !strings.Contains(su.Issuer, "{tid}") || !strings.HasPrefix(su.Issuer, cl.Login+"/") {
		t.Errorf("Issuer = %q, want %s/{tid}/v2.0", su.Issuer, cl.Login)
	}
	if su.AuthResponseIssuer != su.Issuer || su.AuthResponseIssuerRequired {
		t.Errorf("AuthResponseIssuer = %q (required %v), want the issuer template, not required", su.AuthResponseIssuer, su.AuthResponseIssuerRequired)
	}
	if su.Graph != cl.Graph || su.Tenant != "common" {
		t.Errorf("Graph, Tenant = %q, %q", su.Graph, su.Tenant)
	}
	if !slices.Contains(su.Scopes, "offline_access") {
		t.Errorf("scopes %q lack offline_access", su.Scopes)
	}
	wantRes := cl.Graph
	if p.Name == "exchange" {
		wantRes = cl.Outlook
	}
	if su.Resource != wantRes {
		t.Errorf("Resource = %q, want %q", su.Resource, wantRes)
	}
	// Every URL scope names the resource of this cloud, none a global one.
	for _, sc := range su.Scopes {
		if res := catalog.ScopeResource(sc, su.Graph); res != "" && res != su.Resource {
			t.Errorf("scope %q is not on resource %q", sc, su.Resource)
		}
	}
	if !strings.Contains(p.Register, "Mobile and desktop applications") || !strings.Contains(p.Register, "http://localhost") {
		t.Errorf("Register help of %s does not name the platform and redirect URI", p.Name)
	}
	if p.RedirectHost != "localhost" {
		t.Errorf("Microsoft redirect host = %q: Entra only accepts http://localhost", p.RedirectHost)
	}
}

func checkGoogleSetup(t *testing.T, c *Config, p catalog.Provider, su *ProviderSetup) {
	t.Helper()
	if !p.NeedsClientSecret {
		t.Error("Google needs its desktop client secret")
	}
	if su.ClientSecret != "secret-1" || su.AuthResponseIssuer != p.Endpoints.Issuer || !su.AuthResponseIssuerRequired || su.RevokeURL != p.Endpoints.Revoke {
		t.Errorf("Setup = %+v", su)
	}
	if su.AuthParams.Get("access_type") != "offline" {
		t.Errorf("AuthParams = %v, want access_type=offline", su.AuthParams)
	}
	if p.RedirectHost != "127.0.0.1" {
		t.Errorf("Google redirect host = %q, want 127.0.0.1", p.RedirectHost)
	}
	if !strings.Contains(p.Register, "Desktop app") {
		t.Error("Register help does not name the Desktop app client type")
	}
	// Without the secret: a NoClientError that says only the secret is missing.
	noSecret := &Config{Path: c.Path, Providers: map[string]Settings{p.Name: {ClientID: "client-1"}}}
	_, err := noSecret.ProviderSetup(context.Background(), p.Name, Settings{}, nil)
	var nce *NoClientError
	if !errors.As(err, &nce) || !nce.SecretOnly || !errors.Is(err, ErrConfig) {
		t.Errorf("Setup without secret: %v, want a *NoClientError with SecretOnly", err)
	}
}

// TestSetupDoesNotAliasProviderTable: a Setup is the caller's to change;
// changing it must not change the built-in table for later sign-ins.
func TestSetupDoesNotAliasProviderTable(t *testing.T) {
	for _, p := range catalog.Providers() {
		t.Run(p.Name, func(t *testing.T) {
			before := slices.Clone(p.Scopes)
			var beforeParams url.Values
			if p.AuthParams != nil {
				beforeParams = url.Values{}
				for k, v := range p.AuthParams {
					beforeParams[k] = slices.Clone(v)
				}
			}
			c := &Config{Path: "config.toml", Providers: map[string]Settings{p.Name: {ClientID: "id", ClientSecret: "s"}}}
			su, err := c.ProviderSetup(context.Background(), p.Name, Settings{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			su.Scopes[0] = "changed"
			for _, v := range su.AuthParams {
				v[0] = "changed"
			}
			q, _ := catalog.Lookup(p.Name)
			if !slices.Equal(q.Scopes, before) {
				t.Errorf("changing Setup.Scopes changed the built-in table: %q", q.Scopes)
			}
			for k, v := range beforeParams {
				if !slices.Equal(q.AuthParams[k], v) {
					t.Errorf("changing Setup.AuthParams changed the built-in table: %s=%q", k, q.AuthParams[k])
				}
			}
			// Put the table back so other tests see it whole.
			copy(q.Scopes, before)
			for k, v := range beforeParams {
				copy(q.AuthParams[k], v)
			}
		})
	}
}
