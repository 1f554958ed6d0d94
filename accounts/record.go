package accounts

import (
	"fmt"
	"slices"
	"time"

	"github.com/latchkey/latchkey/accounts/catalog"
)

// record is one account as stored in the index.
type record struct {
	Account
	Family catalog.Family `json:"family"`
	// ClientID, TokenURL and RevokeURL are those of the sign-in: a refresh
	// token is bound to the client it was issued to, whatever config.toml
	// says later.
	ClientID  string `json:"client_id"`
	TokenURL  string `json:"token_url"`
	RevokeURL string `json:"revoke_url,omitempty"`
	Issuer    string `json:"issuer"`
	Subject   string `json:"subject"`
	TenantID  string `json:"tenant_id,omitempty"`
	ObjectID  string `json:"object_id,omitempty"`
	// Resource is the default resource of access tokens (Microsoft).
	Resource string `json:"resource,omitempty"`
	Graph    string `json:"graph,omitempty"`
	// Tokens describes the cached access tokens by resource key; the
	// tokens themselves are in the keychain.
	Tokens map[string]tokenInfo `json:"tokens,omitempty"`
	// Programs are the lasting approval decisions (see approval.go).
	Programs []ProgramDecision `json:"program_decisions,omitempty"`
}

// tokenInfo is the non-secret description of a cached access token.
type tokenInfo struct {
	Expiry time.Time `json:"expires_at"`
	Scopes []string  `json:"scopes"`
}

// view is the Account people see, with the default token's expiry.
func (r *record) view() Account {
	a := r.Account
	a.AccessExpiry = r.Tokens[r.resourceKey(r.Resource)].Expiry
	a.Scopes = nonNil(a.Scopes)
	a.Requested = nonNil(a.Requested)
	a.NotGranted = nonNil(a.NotGranted)
	return a
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// resourceKey is the keychain resource key for resource ("" = default).
func (r *record) resourceKey(resource string) string {
	if r.Family != catalog.FamilyMicrosoft {
		return defaultResource
	}
	if resource == "" {
		return r.Resource
	}
	return resource
}

// tokenResource picks the resource of a token request: Microsoft issues
// a token for one resource at a time, named by the scopes.
func (r *record) tokenResource(scopes []string) (string, error) {
	if r.Family != catalog.FamilyMicrosoft {
		return defaultResource, nil
	}
	res := ""
	for _, sc := range scopes {
		x := catalog.ScopeResource(sc, r.Graph)
		if x == "" {
			continue
		}
		if res != "" && x != res {
			return "", fmt.Errorf("%w: Microsoft issues a token for one resource at a time, and these scopes name %s and %s: ask for them in separate calls", ErrUsage, res, x)
		}
		res = x
	}
	if res == "" {
		res = r.Resource
	}
	return res, nil
}

// mailResource is the resource of the account's mail servers (IMAP, POP,
// SMTP): Microsoft issues tokens for one resource at a time, and a Graph
// token is refused by the mail servers.
func (r *record) mailResource() (string, error) {
	if r.Family != catalog.FamilyMicrosoft {
		return defaultResource, nil
	}
	res := r.Resource
	if res == "" || res == r.Graph {
		res = catalog.CloudByGraph(r.Graph).Outlook
	}
	for _, sc := range r.Requested {
		if catalog.ScopeResource(sc, r.Graph) == res {
			return res, nil
		}
	}
	return "", &ReconnectError{Account: r.ID, Code: "scope_not_granted",
		Reason: "it was connected without permission to use the mail servers (IMAP, SMTP); connect again adding --scope " +
			res + "/IMAP.AccessAsUser.All --scope " + res + "/SMTP.Send"}
}

// dueAt reports whether the index's note says the access token of res
// needs renewing at now; false when there is no note.
func (r *record) dueAt(res string, now time.Time) bool {
	info, ok := r.Tokens[res]
	return ok && !info.Expiry.IsZero() && !now.Add(refreshMargin).Before(info.Expiry)
}

// refreshScopes is the scope parameter of a refresh. Microsoft needs it
// to choose the resource; elsewhere it is sent only to narrow a token.
func (r *record) refreshScopes(res string, scopes []string) []string {
	if len(scopes) > 0 {
		if r.Family == catalog.FamilyMicrosoft {
			return withScopes(scopes, "offline_access")
		}
		return scopes
	}
	if r.Family != catalog.FamilyMicrosoft {
		return nil
	}
	return resourceScopes(r.Requested, res, r.Graph)
}

func (r *record) identity() Identity {
	return Identity{Issuer: r.Issuer, TenantID: r.TenantID, Subject: r.Subject, ObjectID: r.ObjectID}
}

// updateGrantState sets the account's NotGranted and Unconfirmed from
// what it requested and what the token responses so far granted (the
// rule: grantstate.go).
func (r *record) updateGrantState() {
	if r.Family != catalog.FamilyMicrosoft {
		r.NotGranted = notGranted(r.Requested, r.Scopes, r.Graph)
		r.Unconfirmed = nil
		return
	}
	r.NotGranted, r.Unconfirmed = []string{}, nil
	for _, sc := range r.Requested {
		if catalog.IsOpenIDScope(sc) {
			// The ID token shows sign-in worked; a refresh token shows
			// offline_access did. Outlook tokens never list them.
			continue
		}
		if len(notGranted([]string{sc}, r.Scopes, r.Graph)) == 0 {
			continue // granted, by this resource's latest token or earlier
		}
		res := catalog.ScopeResource(sc, r.Graph)
		if _, seen := r.Tokens[r.resourceKey(res)]; seen {
			r.NotGranted = append(r.NotGranted, sc)
		} else {
			r.Unconfirmed = append(r.Unconfirmed, sc)
		}
	}
}

// mailGrants fills in m's IMAP and SMTP scopes and whether the account
// holds them; custom is true for an on-premises Exchange resource.
func (r *record) mailGrants(m *MailSettings, custom bool) {
	switch r.Family {
	case catalog.FamilyMicrosoft:
		res, err := r.mailResource()
		if err != nil {
			// Not consented: still show the settings, with the scopes to add.
			res = catalog.CloudByGraph(r.Graph).Outlook
			if custom {
				res = r.Resource
			}
		}
		m.IMAPScope, m.SMTPScope = res+"/IMAP.AccessAsUser.All", res+"/SMTP.Send"
		// Microsoft reports the granted scopes of one resource per token:
		// asked for at sign-in is the best knowledge until a token says.
		have := append(slices.Clone(r.Requested), r.Scopes...)
		m.IMAPGranted = covers(have, []string{m.IMAPScope}, r.Graph)
		m.SMTPGranted = covers(have, []string{m.SMTPScope}, r.Graph)
	case catalog.FamilyGoogle:
		// The default token carries the mail scope; asking for it
		// explicitly would narrow the cached token to it.
		ok := covers(r.Scopes, []string{googleMailScope}, "")
		m.IMAPGranted, m.SMTPGranted = ok, ok
	default:
		m.IMAPGranted, m.SMTPGranted = true, true
	}
}

func (r *record) detail() AccountDetail {
	a := r.view()
	d := AccountDetail{Account: a, Granted: []PermissionGroup{}, Missing: []catalog.ScopeInfo{}, Lost: []catalog.Capability{},
		PermissionsPage: r.permissionsPage(), AdminConsentURL: r.adminConsentURL()}
	p := a.Provider
	used := map[string]bool{}
	for _, c := range catalog.CapabilitiesGiven(p, a.Scopes) {
		pc, _ := catalog.CapabilityScopes(p, c)
		info, _ := catalog.CapabilityByName(string(c))
		g := PermissionGroup{Capability: c, Title: info.Title}
		for _, sc := range a.Scopes {
			// A granted scope serves c if it gives one of c's scopes.
			for _, want := range pc.Scopes {
				if catalog.Implies(p, sc, want) {
					g.Scopes = append(g.Scopes, explainScope(p, sc))
					used[sc] = true
					break
				}
			}
		}
		d.Granted = append(d.Granted, g)
	}
	signIn := PermissionGroup{Capability: GroupSignIn, Title: "Sign-in"}
	other := PermissionGroup{Capability: GroupOther, Title: "Other permissions"}
	for _, sc := range a.Scopes {
		if used[sc] {
			continue
		}
		info := explainScope(p, sc)
		if info.Access == catalog.AccessIdentity {
			signIn.Scopes = append(signIn.Scopes, info)
		} else {
			other.Scopes = append(other.Scopes, info)
		}
	}
	for _, g := range []PermissionGroup{signIn, other} {
		if len(g.Scopes) > 0 {
			d.Granted = append(d.Granted, g)
		}
	}
	for _, sc := range a.NotGranted {
		d.Missing = append(d.Missing, explainScope(p, sc))
	}
	for _, sc := range a.Unconfirmed {
		d.Pending = append(d.Pending, explainScope(p, sc))
	}
	asked := a.Capabilities
	if len(asked) == 0 {
		asked = catalog.CapabilitiesGiven(p, a.Requested)
	}
	// Lost: it would not work even if every unconfirmed scope is granted.
	given := catalog.CapabilitiesGiven(p, append(slices.Clone(a.Scopes), a.Unconfirmed...))
	for _, c := range asked {
		if !containsCap(given, c) {
			d.Lost = append(d.Lost, c)
		}
	}
	return d
}

// permissionsPage is where the person sees and removes the access they
// gave Latchkey at the account's provider: Google's third-party
// connections, Microsoft's My Apps (work or school) or the consent page of
// personal accounts. "" for a custom provider.
func (r *record) permissionsPage() string { return permissionsPage(r.Provider, r.TenantID) }

// adminConsentURL is the account's admin-consent link when its status
// says an administrator's approval is what it lacks, else "".
func (r *record) adminConsentURL() string {
	if r.Family != catalog.FamilyMicrosoft || r.TenantID == catalog.MicrosoftConsumerTenant || r.Status != StatusNeedsReconnect {
		return ""
	}
	for _, c := range adminConsentCodes {
		if r.StatusReason == microsoftReasons[c] {
			authority, tenant := authorityOf(r.TokenURL)
			if r.TenantID != "" {
				tenant = r.TenantID
			}
			return AdminConsentURL(authority, tenant, r.ClientID)
		}
	}
	return ""
}

// resources are the resource keys of the account's access items: the
// default one and every one the index notes.
func (r *record) resources() []string {
	resources := []string{r.resourceKey("")}
	for res := range r.Tokens {
		resources = append(resources, res)
	}
	slices.Sort(resources)
	return slices.Compact(resources)
}
