package accounts

import (
	"net/url"
	"strings"
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

// Provider is one built-in provider, described as data.
type Provider struct {
	// Name is what the person types: `latchkey connect NAME`.
	Name string
	// Title is the name shown to people.
	Title string
	// Family is the set of quirks it follows (endpoints, issuer, errors).
	Family Family
	// Scopes are requested when the person names none.
	Scopes []string
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
	// Register tells a person how to register their own app for it.
	Register string
}

// The built-in providers. Client ids are not part of this table: none can
// ship with the source (see defaultClientIDs).
var builtinProviders = []Provider{
	{
		Name:         "microsoft",
		Title:        "Microsoft 365 / Outlook.com",
		Family:       FamilyMicrosoft,
		Scopes:       []string{"openid", "profile", "email", "offline_access", "User.Read"},
		Resource:     "https://graph.microsoft.com",
		RedirectHost: "localhost",
		Register: `Register an app in the Microsoft Entra admin center (App registrations > New registration):
  1. Supported account types: "Accounts in any organizational directory and personal Microsoft accounts".
  2. Authentication > Add a platform > "Mobile and desktop applications", redirect URI:
       http://localhost
  3. Authentication > "Allow public client flows": Yes. No client secret is needed.
  4. Copy the "Application (client) ID" and either pass it:
       latchkey connect microsoft --client-id <Application (client) ID>
     or keep it in %s:
       [providers.microsoft]
       client_id = "<Application (client) ID>"`,
	},
	{
		Name:         "exchange",
		Title:        "Exchange Online (IMAP, POP, SMTP, EWS)",
		Family:       FamilyMicrosoft,
		Scopes:       []string{"openid", "profile", "email", "offline_access", "https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send"},
		Resource:     "https://outlook.office.com",
		RedirectHost: "localhost",
		Register: `Register an app in the Microsoft Entra admin center (App registrations > New registration):
  1. Supported account types: "Accounts in any organizational directory and personal Microsoft accounts".
  2. Authentication > Add a platform > "Mobile and desktop applications", redirect URI:
       http://localhost
  3. API permissions > Add > "APIs my organization uses" > Office 365 Exchange Online >
     Delegated: IMAP.AccessAsUser.All, SMTP.Send (and POP/EWS if you need them).
  4. Copy the "Application (client) ID" and either pass it:
       latchkey connect exchange --client-id <Application (client) ID>
     or keep it in %s:
       [providers.exchange]
       client_id = "<Application (client) ID>"`,
	},
	{
		Name:              "google",
		Title:             "Google (Gmail, Calendar, Contacts)",
		Family:            FamilyGoogle,
		Scopes:            []string{"openid", "email", "profile", "https://mail.google.com/"},
		RedirectHost:      "127.0.0.1",
		AuthParams:        url.Values{"access_type": {"offline"}, "include_granted_scopes": {"true"}, "prompt": {"consent"}},
		NeedsClientSecret: true,
		Register: `Create an OAuth client in the Google Cloud console (APIs & Services > Credentials):
  1. Enable the Gmail API (and Calendar/People if you need them) for the project.
  2. OAuth consent screen: add yourself as a test user, or publish the app
     (apps left in "Testing" lose their sign-ins after 7 days).
  3. Create credentials > OAuth client ID > Application type "Desktop app".
     Desktop clients accept any loopback redirect; nothing to enter.
  4. Copy the client ID and client secret (the secret of a desktop client is
     not confidential, but Google requires it) and either pass them:
       latchkey connect google --client-id <client ID> --client-secret <client secret>
     or keep them in %s:
       [providers.google]
       client_id = "<client ID>"
       client_secret = "<client secret>"`,
	},
}

// builtinProvider returns the built-in provider called name.
func builtinProvider(name string) (Provider, bool) {
	for _, p := range builtinProviders {
		if p.Name == name {
			return p, true
		}
	}
	return Provider{}, false
}

// Google's public endpoints for installed apps.
const (
	googleAuthURL   = "https://accounts.google.com/o/oauth2/v2/auth"
	googleTokenURL  = "https://oauth2.googleapis.com/token"
	googleRevokeURL = "https://oauth2.googleapis.com/revoke"
	googleIssuer    = "https://accounts.google.com"
)

// microsoftCloud holds the hosts of one Microsoft national cloud.
type microsoftCloud struct {
	Login   string // sign-in authority
	Graph   string // Microsoft Graph resource
	Outlook string // Exchange Online resource (IMAP, POP, SMTP, EWS)
}

// microsoftClouds maps the `cloud` setting to its hosts.
var microsoftClouds = map[string]microsoftCloud{
	"global":    {Login: "https://login.microsoftonline.com", Graph: "https://graph.microsoft.com", Outlook: "https://outlook.office.com"},
	"usgov":     {Login: "https://login.microsoftonline.us", Graph: "https://graph.microsoft.us", Outlook: "https://outlook.office365.us"},
	"usgov-dod": {Login: "https://login.microsoftonline.us", Graph: "https://dod-graph.microsoft.us", Outlook: "https://outlook-dod.office365.us"},
	"china":     {Login: "https://login.partner.microsoftonline.cn", Graph: "https://microsoftgraph.chinacloudapi.cn", Outlook: "https://partner.outlook.cn"},
}

// microsoftConsumerTenant is the tenant id of every personal Microsoft account.
const microsoftConsumerTenant = "9188040d-6c67-4c5b-b112-36a304b66dad"

// oidcScopes go with any resource in a Microsoft token request.
var oidcScopes = map[string]bool{"openid": true, "profile": true, "email": true, "offline_access": true}

// scopeResource returns the resource a Microsoft scope belongs to: the
// scheme and host of a URL scope, or graph for a short name like Mail.Read.
// OpenID scopes belong to no resource ("").
func scopeResource(scope, graph string) string {
	if oidcScopes[scope] {
		return ""
	}
	if u, err := url.Parse(scope); err == nil && u.Scheme != "" && u.Host != "" {
		return u.Scheme + "://" + u.Host
	}
	return graph
}

// moveScopesToCloud rewrites the global cloud's resource prefixes in
// scopes to those of cloud c, so the same table serves every cloud.
func moveScopesToCloud(scopes []string, c microsoftCloud) []string {
	global := microsoftClouds["global"]
	out := make([]string, len(scopes))
	for i, s := range scopes {
		switch {
		case strings.HasPrefix(s, global.Outlook+"/"):
			s = c.Outlook + strings.TrimPrefix(s, global.Outlook)
		case strings.HasPrefix(s, global.Graph+"/"):
			s = c.Graph + strings.TrimPrefix(s, global.Graph)
		}
		out[i] = s
	}
	return out
}
