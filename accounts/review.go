package accounts

import (
	"context"
)

// PermissionGroup is the granted scopes that give one capability, or the
// sign-in scopes (Capability "sign-in"), or the rest (Capability "other").
type PermissionGroup struct {
	Capability Capability `json:"capability"`
	// Title is the capability's title, "Sign-in" or "Other permissions".
	Title  string      `json:"title"`
	Scopes []ScopeInfo `json:"scopes"`
}

// Group names of PermissionGroup that are not capabilities.
const (
	GroupSignIn Capability = "sign-in"
	GroupOther  Capability = "other"
)

// AccountDetail is an account with its permissions explained: what was
// granted, grouped by what it lets programs do, and what was not.
type AccountDetail struct {
	Account
	// Granted groups the granted scopes by capability: the capabilities
	// the grant gives in full (in the order of Capabilities()), then the
	// sign-in scopes, then any other granted scope. A scope may serve
	// several capabilities and then appears in each.
	Granted []PermissionGroup `json:"granted_by_capability"`
	// Missing explains each requested scope the provider did not grant.
	Missing []ScopeInfo `json:"not_granted_detail"`
	// Pending explains each requested scope not confirmed yet (see
	// Account.Unconfirmed).
	Pending []ScopeInfo `json:"unconfirmed_detail,omitempty"`
	// Lost are the capabilities asked for that will not work because of
	// what was not granted.
	Lost []Capability `json:"capabilities_lost"`
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

// explainScope is LookupScope keeping the scope as the provider spelled it
// (https://www.googleapis.com/auth/userinfo.email, not email).
func explainScope(provider, scope string) ScopeInfo {
	info := LookupScope(provider, scope)
	info.Scope = scope
	return info
}

func containsCap(caps []Capability, c Capability) bool {
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

func permissionsPage(provider, tenantID string) string {
	switch provider {
	case "google":
		return googlePermissionsPage
	case "microsoft", "exchange":
		if tenantID == microsoftConsumerTenant {
			return microsoftPersonalPermissionsPage
		}
		return microsoftWorkPermissionsPage
	}
	return ""
}
