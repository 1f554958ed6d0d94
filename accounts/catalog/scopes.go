package catalog

import (
	"net/url"
	"slices"
	"strings"
)

// Access is what a scope lets a program do with your data, coarsely.
type Access string

const (
	// AccessIdentity only says who you are (sign-in, name, address).
	AccessIdentity Access = "identity"
	// AccessRead reads data without changing it.
	AccessRead Access = "read"
	// AccessWrite reads and changes data (create, edit, delete), without sending mail.
	AccessWrite Access = "write"
	// AccessSend sends mail as you.
	AccessSend Access = "send"
	// AccessFull is the whole mailbox or service: read, change, delete (and
	// for some, send or share).
	AccessFull Access = "full"
	// AccessUnknown is the access of a scope Latchkey does not know.
	AccessUnknown Access = "unknown"
)

// Sensitivity is how the provider classes a scope. Google classes every
// scope; Microsoft says whether a person may approve it alone or an
// administrator of their organization must.
type Sensitivity string

const (
	// SensitivityNonSensitive: Google lets any app ask for it.
	SensitivityNonSensitive Sensitivity = "non-sensitive"
	// SensitivitySensitive: Google checks apps that ask for it.
	SensitivitySensitive Sensitivity = "sensitive"
	// SensitivityRestricted: Google requires a security assessment of apps
	// that ask for it, because it reaches private data such as all mail.
	SensitivityRestricted Sensitivity = "restricted"
	// SensitivityUserConsent: Microsoft lets you approve it yourself
	// (unless your organization turned that off).
	SensitivityUserConsent Sensitivity = "user-consent"
	// SensitivityAdminConsent: Microsoft requires an administrator of your
	// organization to approve it.
	SensitivityAdminConsent Sensitivity = "admin-consent"
	// SensitivityUnknown is the sensitivity of a scope Latchkey does not know.
	SensitivityUnknown Sensitivity = "unknown"
)

// ScopeInfo is one catalog entry: a scope explained for people.
type ScopeInfo struct {
	// Provider is the built-in provider it belongs to (microsoft, exchange, google).
	Provider string `json:"provider"`
	// Scope is the exact string to request (Graph scopes without their
	// resource prefix, as people see them in consent screens).
	Scope string `json:"scope"`
	// Resource names the service the scope opens, in plain words
	// ("Microsoft Graph", "Exchange Online", "Gmail", "Sign-in").
	Resource string `json:"resource"`
	// Purpose says in plain words what a program can do with it (6 to 20 words).
	Purpose string `json:"purpose"`
	// Access is the coarse kind of access.
	Access Access `json:"access"`
	// Sensitivity is the provider's class of the scope.
	Sensitivity Sensitivity `json:"sensitivity"`
	// WorkOrSchoolOnly: Microsoft offers it to work or school accounts
	// only, not to personal (Outlook.com, Hotmail, Live) accounts.
	WorkOrSchoolOnly bool `json:"work_or_school_only,omitempty"`
	// Includes are the narrower scopes this one already gives (directly;
	// see Implies for the whole relation).
	Includes []string `json:"includes,omitempty"`
	// Known is false for a scope that is not in the catalog: then Scope is
	// the raw string as granted or asked, and Purpose says it is not known.
	Known bool `json:"known"`
}

// unknownPurpose is the honest purpose of a scope outside the catalog.
const unknownPurpose = "Latchkey does not know this permission, so it cannot say what it allows."

// Scopes returns the scope entries of a built-in provider in a stable
// order, or of every provider when provider is "". It returns nil for any
// other provider: their scopes are not known.
func Scopes(provider string) []ScopeInfo {
	var out []ScopeInfo
	for _, p := range load().providers {
		if provider == "" || provider == p.Name {
			for _, e := range p.Explained {
				out = append(out, e.clone())
			}
		}
	}
	return out
}

// LookupScope explains one scope of provider. Microsoft Graph scopes match
// case-insensitively, with or without a Graph host prefix of any cloud
// (https://graph.microsoft.com/Mail.Read is Mail.Read); Exchange Online
// scopes match on their name under any Exchange host. A scope outside the
// catalog comes back with Known false, its raw string and a purpose that
// says Latchkey does not know it.
//
// Providers outside the table (OpenID Connect providers from
// config.toml) still get the standard OpenID scopes (openid, profile,
// email, offline_access) explained, with sensitivity unknown.
func LookupScope(provider, scope string) ScopeInfo {
	t := load()
	if e, ok := t.lookup(provider, scope); ok {
		return e.clone()
	}
	if _, builtin := t.byName[provider]; !builtin {
		for _, e := range microsoftIdentityScopes() {
			if e.Scope == scope {
				e.Provider, e.Sensitivity = provider, SensitivityUnknown
				return e
			}
		}
	}
	return ScopeInfo{Provider: provider, Scope: scope, Resource: "unknown", Purpose: unknownPurpose,
		Access: AccessUnknown, Sensitivity: SensitivityUnknown}
}

// lookup finds scope among provider's entries.
func (t *table) lookup(provider, scope string) (*ScopeInfo, bool) {
	f := t.family(provider)
	return t.lookupKey(provider, f, keyOf(f, scope))
}

// lookupKey finds the entry of provider (of family f) with key. A
// Microsoft account may hold the scopes of another Microsoft provider
// (IMAP on a Graph account, Graph on an exchange one): one family, one
// key space.
func (t *table) lookupKey(provider string, f Family, key string) (*ScopeInfo, bool) {
	if e, ok := t.index[provider][key]; ok {
		return e, true
	}
	if f != FamilyMicrosoft {
		return nil, false
	}
	for _, p := range t.providers {
		if p.Family == FamilyMicrosoft && p.Name != provider {
			if e, ok := t.index[p.Name][key]; ok {
				return e, true
			}
		}
	}
	return nil, false
}

func (t *table) family(provider string) Family {
	if i, ok := t.byName[provider]; ok {
		return t.providers[i].Family
	}
	return ""
}

// key is how a scope is compared within a provider's entries.
func (t *table) key(provider, scope string) string { return keyOf(t.family(provider), scope) }

// keyOf is how a scope is compared within the entries of a provider of
// family f.
func keyOf(f Family, scope string) string {
	switch f {
	case FamilyMicrosoft:
		// Graph scopes match with or without any cloud's Graph host. The
		// same Exchange permission is written under several hosts:
		// outlook.office.com, outlook.office365.com, national clouds and
		// on-premises resources; it is the path after the host.
		if u, err := url.Parse(scope); err == nil && u.Scheme != "" && u.Host != "" {
			name := strings.ToLower(strings.TrimPrefix(u.Path, "/"))
			if _, graph := CloudNameByGraph(strings.ToLower(u.Scheme + "://" + u.Host)); graph {
				return name
			}
			return "exchange:" + name
		}
		return strings.ToLower(scope)
	case FamilyGoogle:
		if a, ok := scopeAliases[scope]; ok {
			return a
		}
	}
	return scope
}

// Implies reports whether granting broad also gives narrow, through the
// entries' Includes relation (reflexive and transitive). Scopes outside
// the catalog imply only themselves.
func Implies(provider, broad, narrow string) bool {
	t := load()
	f := t.family(provider)
	want := keyOf(f, narrow)
	seen := map[string]bool{}
	var walk func(s string) bool
	walk = func(s string) bool {
		k := keyOf(f, s)
		if k == want {
			return true
		}
		if seen[k] {
			return false
		}
		seen[k] = true
		e, ok := t.lookupKey(provider, f, k)
		if !ok {
			return false
		}
		return slices.ContainsFunc(e.Includes, walk)
	}
	return walk(broad)
}

// SameScopeIn reports whether a and b are the same entry of provider's
// (the planner's comparison).
func SameScopeIn(provider, a, b string) bool {
	t := load()
	return t.key(provider, a) == t.key(provider, b)
}

// impliedBy reports whether one of granted implies scope.
func impliedBy(provider string, granted []string, scope string) bool {
	return slices.ContainsFunc(granted, func(g string) bool { return Implies(provider, g, scope) })
}

func (e ScopeInfo) clone() ScopeInfo {
	e.Includes = slices.Clone(e.Includes)
	return e
}

// scopeAliases are spellings providers use for the same scope in
// responses: Google answers "email" with the userinfo URL.
var scopeAliases = map[string]string{
	"https://www.googleapis.com/auth/userinfo.email":   "email",
	"https://www.googleapis.com/auth/userinfo.profile": "profile",
}

// SameScope reports whether two scope strings name the same permission:
// case-insensitively, with or without a Microsoft Graph prefix (graph's
// or any cloud's), and through the aliases providers answer with.
func SameScope(a, b, graph string) bool {
	return canonicalScope(a, graph) == canonicalScope(b, graph)
}

func canonicalScope(s, graph string) string {
	if a, ok := scopeAliases[s]; ok {
		s = a
	}
	if graph != "" {
		if rest, ok := strings.CutPrefix(strings.ToLower(s), strings.ToLower(graph)+"/"); ok {
			return rest
		}
	}
	for _, name := range cloudNames {
		if rest, ok := strings.CutPrefix(strings.ToLower(s), strings.ToLower(microsoftClouds[name].Graph)+"/"); ok {
			return rest
		}
	}
	return strings.ToLower(s)
}
