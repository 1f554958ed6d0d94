package accounts

import (
	"context"

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

// permissionsPage is the page of provider where a person of tenant sees
// and removes the access they gave Latchkey; "" for a custom provider.
func permissionsPage(provider, tenantID string) string {
	p, _ := catalog.Lookup(provider)
	return p.PermissionsPageFor(tenantID)
}
