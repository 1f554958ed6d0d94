// Package catalog is what Latchkey knows about providers, as data: the
// built-in providers (names, titles, blurbs, registration consoles and
// steps, endpoints, Microsoft's clouds), the scopes each can grant with
// their purposes in plain words, the capabilities people choose from and
// the planner that turns capabilities into the fewest scopes.
//
// It does no I/O and imports nothing of Latchkey's: accounts, ui and the
// command all read their provider facts from here. Adding a provider is
// one row in the providers table, which the tests walk whole.
package catalog

import (
	"net/url"
	"slices"
)

// Family names a set of provider quirks: how endpoints are built, which
// issuer to expect, how resources and errors work.
type Family string

const (
	// FamilyMicrosoft is the Microsoft identity platform (v2.0 endpoints).
	FamilyMicrosoft Family = "microsoft"
	// FamilyGoogle is Google's OAuth 2.0 for desktop apps.
	FamilyGoogle Family = "google"
	// FamilyOIDC is any OpenID Connect provider found through discovery.
	FamilyOIDC Family = "oidc"
)

// Endpoints are a provider's fixed OAuth endpoints. Microsoft's are built
// from the cloud and tenant instead (see Cloud), so its rows leave them
// empty.
type Endpoints struct {
	// Auth is the authorization endpoint.
	Auth string
	// Token is the token endpoint.
	Token string
	// Revoke is the RFC 7009 revocation endpoint, "" where there is none.
	Revoke string
	// Issuer is the ID tokens' iss.
	Issuer string
}

// Provider is one built-in provider, described as data.
type Provider struct {
	// Name is what the person types: `latchkey connect NAME`.
	Name string
	// Title is the name shown to people.
	Title string
	// ShortTitle is the provider's name in a line about an account
	// ("Microsoft · connected").
	ShortTitle string
	// SignInCompany is whose sign-in page the provider uses, where that
	// differs from ShortTitle: it keeps the access a person granted.
	SignInCompany string
	// Blurb says in a few words what connecting it gives (the wizard).
	Blurb string
	// Summary is the provider's few words in the command's help.
	Summary string
	// Family is the set of quirks it follows (endpoints, issuer, errors).
	Family Family
	// Endpoints are its fixed endpoints (empty for Microsoft).
	Endpoints Endpoints
	// Scopes are requested when the person names none.
	Scopes []string
	// SignInScopes are asked for by every connection: who you are, and
	// (Microsoft) a refresh token.
	SignInScopes []string
	// Resource is the default resource for Microsoft tokens ("" elsewhere);
	// for a cloud other than global it is rewritten by the cloud table.
	Resource string
	// RedirectHost is the host of the loopback redirect URI. Microsoft's
	// portal only accepts http://localhost; Google and RFC 8252 prefer the
	// literal 127.0.0.1.
	RedirectHost string
	// AuthParams are added to every authorization request.
	AuthParams url.Values
	// NeedsClientSecret is true where the provider insists on the (not
	// confidential) desktop client secret.
	NeedsClientSecret bool
	// OnPremisesResource is true where the person may name their own
	// Exchange Server as the resource (config.toml's `resource`, hybrid
	// modern auth); the scopes of Resource then move to it.
	OnPremisesResource bool
	// PermissionsPage is where a person sees and removes the access they
	// gave an app at the provider, "" where there is none;
	// PersonalPermissionsPage is Microsoft's page for personal accounts
	// (the consumer tenant), "" where the one page serves all.
	PermissionsPage, PersonalPermissionsPage string
	// Console is where a person registers their own app.
	Console string
	// Steps tell a person, in the wizard, how to register their own app.
	Steps []string
	// Register tells a person how to register their own app, in the
	// command; its %s is config.toml's path.
	Register string
	// DefaultCapability is preselected for a new connection: the
	// narrowest one people connect the provider for.
	DefaultCapability Capability
	// Explained are the scopes the provider can grant, explained.
	Explained []ScopeInfo
	// Offers says how it offers each capability, least privilege first.
	Offers []ProviderCapability
}

// RedirectURI is what to register as the app's redirect URI.
func (p Provider) RedirectURI() string { return "http://" + p.RedirectHost }

// PermissionsPageFor is the provider's permissions page for an account
// of tenant (Microsoft's tenant id, "" elsewhere).
func (p Provider) PermissionsPageFor(tenant string) string {
	if tenant == MicrosoftConsumerTenant && p.PersonalPermissionsPage != "" {
		return p.PersonalPermissionsPage
	}
	return p.PermissionsPage
}

// Company is whose sign-in page the provider uses.
func (p Provider) Company() string {
	if p.SignInCompany != "" {
		return p.SignInCompany
	}
	return p.ShortTitle
}

// Providers lists the built-in providers, in menu order. The rows share
// their slices and maps with the table: read them, do not change them.
func Providers() []Provider { return slices.Clone(load().providers) }

// Names lists the built-in providers' names, in menu order.
func Names() []string {
	ps := load().providers
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

// Lookup returns the built-in provider called name (a row shared with
// the table, as Providers' are).
func Lookup(name string) (Provider, bool) {
	s := load()
	if i, ok := s.byName[name]; ok {
		return s.providers[i], true
	}
	return Provider{}, false
}

// FamilyOf returns the family of the built-in provider called name, ""
// for any other.
func FamilyOf(name string) Family {
	p, _ := Lookup(name)
	return p.Family
}
