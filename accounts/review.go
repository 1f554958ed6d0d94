package accounts

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/accounts/catalog"
)

// PermissionGroup is the granted scopes that give one capability, or the
// sign-in scopes (Capability "sign-in"), or the rest (Capability "other").
type PermissionGroup struct {
	Capability catalog.Capability `json:"capability"`
	// Title is the capability's title, "Sign-in" or "Other permissions".
	Title  string              `json:"title"`
	Scopes []catalog.ScopeInfo `json:"scopes"`
}

// Group names of PermissionGroup that are not capabilities.
const (
	GroupSignIn catalog.Capability = "sign-in"
	GroupOther  catalog.Capability = "other"
)

// AccountDetail is an account with its permissions explained: what was
// granted, grouped by what it lets programs do, and what was not.
type AccountDetail struct {
	Account
	// Granted groups the granted scopes by capability: the capabilities
	// the grant gives in full (in the order of catalog.Capabilities()), then the
	// sign-in scopes, then any other granted scope. A scope may serve
	// several capabilities and then appears in each.
	Granted []PermissionGroup `json:"granted_by_capability"`
	// Missing explains each requested scope the provider did not grant.
	Missing []catalog.ScopeInfo `json:"not_granted_detail"`
	// Pending explains each requested scope not confirmed yet (see
	// Account.Unconfirmed).
	Pending []catalog.ScopeInfo `json:"unconfirmed_detail,omitempty"`
	// Lost are the capabilities asked for that will not work because of
	// what was not granted.
	Lost []catalog.Capability `json:"capabilities_lost"`
	// PermissionsPage is where the person sees and removes Latchkey's
	// access at the provider ("" if unknown).
	PermissionsPage string `json:"permissions_page,omitempty"`
	// AdminConsentURL, for a Microsoft work or school account that needs
	// reconnecting because its organization wants an administrator to
	// approve Latchkey, is the link to send to the IT department.
	AdminConsentURL string `json:"admin_consent_url,omitempty"`
}

// Detail returns the account a person named, with its permissions
// explained (see AccountDetail). It does no network or keychain I/O.
func (s *Service) Detail(ctx context.Context, name string) (AccountDetail, error) {
	r, err := findRecord(s.dir, name)
	if err != nil {
		return AccountDetail{}, err
	}
	return r.detail(), nil
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

// explainScope is catalog.LookupScope keeping the scope as the provider spelled it
// (https://www.googleapis.com/auth/userinfo.email, not email).
func explainScope(provider, scope string) catalog.ScopeInfo {
	info := catalog.LookupScope(provider, scope)
	info.Scope = scope
	return info
}

func containsCap(caps []catalog.Capability, c catalog.Capability) bool {
	for _, x := range caps {
		if x == c {
			return true
		}
	}
	return false
}

// Pages where people manage the apps they gave access to.
const (
	googlePermissionsPage            = "https://myaccount.google.com/connections"
	microsoftWorkPermissionsPage     = "https://myapps.microsoft.com"
	microsoftPersonalPermissionsPage = "https://account.live.com/consent/Manage"
)

// permissionsPage is where the person sees and removes the access they
// gave Latchkey at the account's provider: Google's third-party
// connections, Microsoft's My Apps (work or school) or the consent page of
// personal accounts. "" for a custom provider.
func (r *record) permissionsPage() string { return permissionsPage(r.Provider, r.TenantID) }

func permissionsPage(provider, tenantID string) string {
	switch provider {
	case "google":
		return googlePermissionsPage
	case "microsoft", "exchange":
		if tenantID == catalog.MicrosoftConsumerTenant {
			return microsoftPersonalPermissionsPage
		}
		return microsoftWorkPermissionsPage
	}
	return ""
}

// AdminConsentURL is the page an administrator of a Microsoft organization
// opens to approve Latchkey's app registration for everyone in it:
// https://{sign-in host}/{tenant}/adminconsent?client_id=... in the
// account's cloud. tenant is the organization's tenant id or domain; with
// "" or common, "organizations" lets the administrator's own sign-in pick it.
func AdminConsentURL(authority, tenant, clientID string) string {
	switch strings.ToLower(tenant) {
	case "", "common", "consumers":
		tenant = "organizations"
	}
	return strings.TrimRight(authority, "/") + "/" + url.PathEscape(tenant) + "/adminconsent?" + url.Values{"client_id": {clientID}}.Encode()
}

// RevokeResult says what Revoke did, in facts and in plain words.
type RevokeResult struct {
	// Account is the account as it was when the revoke was asked for;
	// after a failure, as it is now: on hold, with status revoking.
	Account Account `json:"account"`
	// RevokedAtProvider: the provider confirmed the grant is gone (or was
	// already gone: AlreadyRevoked).
	RevokedAtProvider bool `json:"revoked_at_provider"`
	AlreadyRevoked    bool `json:"already_revoked"`
	// Confirmed: Latchkey tried the old refresh token afterwards and the
	// provider refused it.
	Confirmed bool `json:"confirmed"`
	// WipedLocally: every token and the index entry are deleted.
	WipedLocally bool `json:"wiped_locally"`
	// Page is the provider page where the person must finish (Microsoft:
	// remove the app's consent), "" when nothing is left to do there.
	Page string `json:"page,omitempty"`
	// PageOpened: Page was opened in the browser.
	PageOpened bool `json:"page_opened"`
	// Done says what was done; ToDo what the person must still do ("" if
	// nothing). Both are plain sentences for people.
	Done string `json:"done"`
	ToDo string `json:"todo,omitempty"`

	stillAccepted bool // the provider accepted the old refresh token after revoking
	noToken       bool // no refresh token was left to revoke or confirm with
}

// RevokeOptions tune Revoke.
type RevokeOptions struct {
	// NoBrowser: do not open the provider's page, only report it.
	NoBrowser bool
}
