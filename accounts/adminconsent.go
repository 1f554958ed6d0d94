package accounts

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/oauthflow"
)

// adminConsentCodes are the AADSTS codes that mean Latchkey's permissions
// lack approval: 65001 (nobody approved them yet: you may be able to
// yourself, or your organization requires an administrator), 90094 and
// 90095 (an administrator must approve).
var adminConsentCodes = []int{65001, 90094, 90095}

// AdminConsentError says that Latchkey's permissions need approval in the
// person's Microsoft organization, and carries the link for its IT
// department. It wraps the sign-in or refresh error it explains.
type AdminConsentError struct {
	// Account is the account id, "" during a first sign-in.
	Account string
	// Code is the AADSTS code (65001, 90094 or 90095).
	Code int
	// URL is the admin-consent page an administrator opens to approve
	// Latchkey's app registration for the whole organization.
	URL string
	// Err is the error explained.
	Err error
}

func (e *AdminConsentError) Error() string {
	what := "your organization requires an administrator to approve Latchkey's permissions"
	if e.Code == 65001 {
		what = "Latchkey's permissions have not been approved for this account (your organization may require an administrator to approve them)"
	}
	return fmt.Sprintf("%s (AADSTS%d): %v", what, e.Code, e.Err)
}

// Unwrap returns the error explained.
func (e *AdminConsentError) Unwrap() error { return e.Err }

// Is makes an AdminConsentError match ErrAdminConsent.
func (e *AdminConsentError) Is(target error) bool { return target == ErrAdminConsent }

var aadstsCode = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`AADSTS(\d{4,7})`) })

// consentCode finds an admin-consent AADSTS code in a sign-in or token error.
func consentCode(err error) int {
	var codes []int
	var te *oauthflow.TokenError
	var ce *oauthflow.CallbackError
	switch {
	case errors.As(err, &te):
		codes = te.ErrorCodes
		for _, m := range aadstsCode().FindAllStringSubmatch(te.Description, -1) {
			n, _ := strconv.Atoi(m[1])
			codes = append(codes, n)
		}
	case errors.As(err, &ce):
		for _, m := range aadstsCode().FindAllStringSubmatch(ce.Description, -1) {
			n, _ := strconv.Atoi(m[1])
			codes = append(codes, n)
		}
	}
	for _, c := range codes {
		if slices.Contains(adminConsentCodes, c) {
			return c
		}
	}
	return 0
}

// authorityOf returns the sign-in authority of a Microsoft endpoint URL
// (AUTHORITY/TENANT/oauth2/v2.0/...) and its tenant.
func authorityOf(endpoint string) (authority, tenant string) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", ""
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	i := slices.Index(parts, "oauth2")
	if i < 1 {
		return "", ""
	}
	tenant = parts[i-1]
	u.Path, u.RawQuery = "/"+strings.Join(parts[:i-1], "/"), ""
	return strings.TrimRight(u.String(), "/"), tenant
}

// withAdminConsent wraps err in an *AdminConsentError when cause (the
// provider's error behind it) is a Microsoft admin-consent refusal;
// endpoint is the authorize or token URL used, tenantID the account's
// tenant if known.
func withAdminConsent(err, cause error, family catalog.Family, account, endpoint, tenantID, clientID string) error {
	if err == nil || family != catalog.FamilyMicrosoft {
		return err
	}
	code := consentCode(cause)
	if code == 0 {
		return err
	}
	authority, tenant := authorityOf(endpoint)
	if tenantID != "" && tenantID != catalog.MicrosoftConsumerTenant {
		tenant = tenantID
	}
	return &AdminConsentError{Account: account, Code: code, URL: AdminConsentURL(authority, tenant, clientID), Err: err}
}

// AdminConsentLink returns the admin-consent link of a connected Microsoft
// account: what its person sends to their IT department so an
// administrator approves Latchkey for the organization. It is an ErrUsage
// error for accounts of other providers.
func (s *Service) AdminConsentLink(name string) (string, error) {
	r, err := findRecord(s.dir, name)
	if err != nil {
		return "", err
	}
	if r.Family != catalog.FamilyMicrosoft {
		return "", fmt.Errorf("%w: administrator approval is a Microsoft matter; %s is a %s account", ErrUsage, r.ID, r.Provider)
	}
	authority, tenant := authorityOf(r.TokenURL)
	if r.TenantID != "" && r.TenantID != catalog.MicrosoftConsumerTenant {
		tenant = r.TenantID
	}
	return AdminConsentURL(authority, tenant, r.ClientID), nil
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
