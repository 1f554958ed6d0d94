package catalog

import (
	"net/url"
	"strings"
)

// MicrosoftCloud holds the hosts of one Microsoft national cloud.
type MicrosoftCloud struct {
	Login   string // sign-in authority
	Graph   string // Microsoft Graph resource
	Outlook string // Exchange Online resource (IMAP, POP, SMTP, EWS)
}

// microsoftClouds maps the `cloud` setting to its hosts.
var microsoftClouds = map[string]MicrosoftCloud{
	"global":    {Login: "https://login.microsoftonline.com", Graph: "https://graph.microsoft.com", Outlook: "https://outlook.office.com"},
	"usgov":     {Login: "https://login.microsoftonline.us", Graph: "https://graph.microsoft.us", Outlook: "https://outlook.office365.us"},
	"usgov-dod": {Login: "https://login.microsoftonline.us", Graph: "https://dod-graph.microsoft.us", Outlook: "https://outlook-dod.office365.us"},
	"china":     {Login: "https://login.partner.microsoftonline.cn", Graph: "https://microsoftgraph.chinacloudapi.cn", Outlook: "https://partner.outlook.cn"},
}

// cloudNames are microsoftClouds' keys in a fixed order.
var cloudNames = []string{"global", "usgov", "usgov-dod", "china"}

// CloudNames lists the Microsoft clouds, global first.
func CloudNames() []string { return append([]string(nil), cloudNames...) }

// Cloud returns the Microsoft cloud called name (global, usgov,
// usgov-dod, china).
func Cloud(name string) (MicrosoftCloud, bool) {
	c, ok := microsoftClouds[name]
	return c, ok
}

// GlobalCloud is Microsoft's global cloud.
func GlobalCloud() MicrosoftCloud { return microsoftClouds["global"] }

// CloudByGraph finds a Microsoft account's cloud by its Graph resource;
// unknown means the global cloud.
func CloudByGraph(graph string) MicrosoftCloud {
	name, _ := CloudNameByGraph(graph)
	return microsoftClouds[name]
}

// CloudNameByGraph names the cloud whose Graph resource is graph; ok is
// false (and the name global) for any other resource.
func CloudNameByGraph(graph string) (name string, ok bool) {
	for _, name := range cloudNames {
		if microsoftClouds[name].Graph == graph {
			return name, true
		}
	}
	return "global", false
}

// MicrosoftConsumerTenant is the tenant id of every personal Microsoft account.
const MicrosoftConsumerTenant = "9188040d-6c67-4c5b-b112-36a304b66dad"

// openIDScopes go with any resource in a Microsoft token request.
var openIDScopes = map[string]bool{"openid": true, "profile": true, "email": true, "offline_access": true}

// IsOpenIDScope reports whether scope is one of the OpenID Connect scopes
// (openid, profile, email, offline_access), which belong to no resource.
func IsOpenIDScope(scope string) bool { return openIDScopes[scope] }

// ScopeResource returns the resource a Microsoft scope belongs to: the
// scheme and host of a URL scope, or graph for a short name like Mail.Read.
// OpenID scopes belong to no resource ("").
func ScopeResource(scope, graph string) string {
	if openIDScopes[scope] {
		return ""
	}
	if u, err := url.Parse(scope); err == nil && u.Scheme != "" && u.Host != "" {
		return u.Scheme + "://" + u.Host
	}
	return graph
}

// MoveScopesToCloud rewrites the global cloud's resource prefixes in
// scopes to those of cloud c, so the same table serves every cloud.
func MoveScopesToCloud(scopes []string, c MicrosoftCloud) []string {
	global := GlobalCloud()
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
