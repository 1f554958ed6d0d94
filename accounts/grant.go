package accounts

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/latchkey/latchkey/accounts/catalog"
)

// accountToExtend resolves ConnectRequest.Account: the record to add
// permissions to, with req's provider and settings filled in from it so
// the new sign-in uses the same registration, tenant and cloud.
func (s *Service) accountToExtend(ctx context.Context, req *ConnectRequest) (*record, error) {
	if req.Account == "" {
		return nil, nil
	}
	r, err := findRecord(s.dir, req.Account)
	if err != nil {
		return nil, err
	}
	if req.Provider != "" && req.Provider != r.Provider {
		return nil, fmt.Errorf("%w: %s is connected through %s, not %s", ErrUsage, r.ID, r.Provider, req.Provider)
	}
	if len(req.Allow) == 0 && len(req.Scopes) == 0 {
		return nil, fmt.Errorf("%w: say which permissions to add to %s, with capabilities (--allow read-calendar) or scopes (--scope)", ErrUsage, r.ID)
	}
	req.Provider = r.Provider
	s.settingsOf(ctx, r, &req.Settings)
	return r, nil
}

// settingsOf fills in the settings an account was connected with, where
// set leaves them empty: the client and endpoints of its keychain item
// (the index's only for an item of layout 1), so a new sign-in goes
// where the old one did, whatever the index says.
func (s *Service) settingsOf(ctx context.Context, r *record, set *Settings) {
	bound := refreshItem{ClientID: r.ClientID, TokenURL: r.TokenURL, RevokeURL: r.RevokeURL}
	if saved, err := s.readRefresh(ctx, r.ID); err == nil {
		bound.ClientSecret = saved.ClientSecret
		if !saved.legacy() {
			bound = *saved
		}
	}
	if set.ClientID == "" {
		set.ClientID = bound.ClientID
	}
	switch r.Family {
	case catalog.FamilyMicrosoft:
		if authority, tenant := authorityOf(bound.TokenURL); authority != "" {
			set.Tenant = cmp.Or(set.Tenant, tenant)
			set.Authority = cmp.Or(set.Authority, authority)
		}
		if set.Cloud == "" {
			if name, ok := catalog.CloudNameByGraph(r.Graph); ok {
				set.Cloud = name
			}
		}
	case catalog.FamilyGoogle:
		set.TokenURL = cmp.Or(set.TokenURL, bound.TokenURL)
		set.RevokeURL = cmp.Or(set.RevokeURL, bound.RevokeURL)
		set.ClientSecret = cmp.Or(set.ClientSecret, bound.ClientSecret)
	}
}

// planConnect works out what a sign-in asks for, and why: the capabilities'
// scopes, scopes named by the person, or the provider's defaults; when
// adding to an account (extend), only what is new, plus (Microsoft) what
// the account already has on the same resource, so the new token keeps it.
func planConnect(su *ProviderSetup, req ConnectRequest, extend *record) (catalog.ScopePlan, error) {
	var (
		plan catalog.ScopePlan
		err  error
	)
	switch {
	case len(req.Allow) > 0:
		plan, err = planScopes(su.Provider, req.Allow, req.Scopes)
		if err != nil {
			return catalog.ScopePlan{}, err
		}
	case len(req.Scopes) > 0:
		plan, _ = planScopes(su.Provider, nil, req.Scopes)
	default:
		plan, _ = planScopes(su.Provider, nil, nil)
		for _, sc := range su.Scopes {
			plan.Add(sc, "asked for by default when you choose no capability (see --allow)")
		}
	}
	// openid identifies the account; a refresh token needs offline_access
	// everywhere but Google, which uses access_type=offline instead.
	plan.Add("openid", catalog.SignInWhy("openid"))
	if su.Family != catalog.FamilyGoogle {
		plan.Add("offline_access", catalog.SignInWhy("offline_access"))
	}
	if su.Family == catalog.FamilyMicrosoft {
		global := catalog.GlobalCloud()
		for i := range plan.Requests {
			sc := plan.Requests[i].Scope
			switch {
			case strings.HasPrefix(sc, global.Outlook+"/") && onPremisesResource(su.Provider):
				plan.Requests[i].Scope = su.Resource + strings.TrimPrefix(sc, global.Outlook)
			case strings.HasPrefix(sc, global.Graph+"/"):
				plan.Requests[i].Scope = su.Graph + strings.TrimPrefix(sc, global.Graph)
			}
		}
		if extend != nil {
			res := ""
			for _, sc := range plan.Scopes() {
				if res = catalog.ScopeResource(sc, su.Graph); res != "" {
					break
				}
			}
			for _, sc := range extend.Scopes {
				if x := catalog.ScopeResource(sc, su.Graph); x != "" && x == res {
					plan.Add(sc, "already granted; asked again so the new sign-in keeps it")
				}
			}
		}
	}
	return plan, nil
}

// ReduceResult says what Reduce did.
type ReduceResult struct {
	// Revoked is the revoke of the old, broader grant (Google); nil when
	// the provider has no way to take back part of a grant (Microsoft).
	Revoked *RevokeResult `json:"revoked,omitempty"`
	// Account is the account connected again with fewer permissions; nil
	// when the person must first remove permissions on Page.
	Account *Account `json:"account,omitempty"`
	// Page is where the person removes permissions themselves (Microsoft).
	Page string `json:"page,omitempty"`
	// PageOpened is true when Reduce opened Page in the browser.
	PageOpened bool `json:"page_opened"`
	// Explanation says in plain words what was done and what is left.
	Explanation string `json:"explanation"`
}

// Reduce leaves an account with fewer permissions: req.Account names it,
// req.Allow and req.Scopes say what it should keep. Providers do not let
// an app give back part of a grant, so:
//
//   - Google: the whole grant is revoked (see Revoke), then the account
//     is connected again asking only for what it should keep.
//   - Microsoft: consent is removed on the account's app page only; Reduce
//     opens that page (unless req.NoBrowser) and explains the steps: remove
//     Latchkey there, then connect again with fewer permissions. Nothing
//     local changes, so the account keeps working until then.
func (s *Service) Reduce(ctx context.Context, req ConnectRequest) (ReduceResult, error) {
	r, err := findRecord(s.dir, req.Account)
	if err != nil {
		return ReduceResult{}, err
	}
	if len(req.Allow) == 0 && len(req.Scopes) == 0 {
		return ReduceResult{}, fmt.Errorf("%w: say what %s should keep, with capabilities (--allow read-mail) or scopes (--scope); to take everything back use revoke", ErrUsage, r.ID)
	}
	if r.Family == catalog.FamilyMicrosoft {
		// Check the request now, so the person is not sent off with a
		// plan that will be refused later.
		if _, err := planScopes(r.Provider, req.Allow, req.Scopes); err != nil {
			return ReduceResult{}, err
		}
		page := r.permissionsPage()
		out := ReduceResult{Page: page}
		if !req.NoBrowser {
			out.PageOpened = s.openPage(page)
		}
		out.Explanation = "Microsoft lets you take back an app's permissions only all at once, on " + page + ". " +
			"Remove Latchkey there, then connect again asking only for what you want to keep: " +
			"latchkey connect " + r.Provider + " " + allowArgs(req) + ". Until then the account keeps working as it is."
		return out, nil
	}
	if _, err := planScopes(r.Provider, req.Allow, req.Scopes); err != nil && len(req.Allow) > 0 {
		return ReduceResult{}, err
	}
	conn := req
	conn.Account, conn.Provider, conn.Replace = "", r.Provider, false
	s.settingsOf(ctx, r, &conn.Settings)
	// The account is connected again only for the person it is pinned to,
	// whose sign-in the revoke is about to delete.
	pinned := *r
	id, err := s.pinnedIdentity(ctx, r)
	if err != nil {
		return ReduceResult{}, err
	}
	pinned.Issuer, pinned.TenantID, pinned.Subject = id.Issuer, id.TenantID, id.Subject
	conn.revoked = &pinned
	rev, err := s.Revoke(ctx, r.ID, RevokeOptions{NoBrowser: true})
	if err != nil {
		return ReduceResult{}, err
	}
	out := ReduceResult{Revoked: &rev}
	a, err := s.Connect(ctx, conn)
	if err != nil {
		return out, fmt.Errorf("the old permissions of %s were revoked, but connecting it again failed (connect it with `latchkey connect %s %s`): %w",
			r.ID, r.Provider, allowArgs(req), err)
	}
	out.Account = &a
	out.Explanation = "The old permissions were revoked at the provider and the account was connected again with only the ones you chose."
	return out, nil
}

// allowArgs spells req's capabilities and scopes as command-line flags.
func allowArgs(req ConnectRequest) string {
	var parts []string
	if len(req.Allow) > 0 {
		names := make([]string, len(req.Allow))
		for i, c := range req.Allow {
			names[i] = string(c)
		}
		parts = append(parts, "--allow "+strings.Join(names, ","))
	}
	for _, sc := range req.Scopes {
		parts = append(parts, "--scope "+sc)
	}
	return strings.Join(parts, " ")
}

// onPremisesResource reports whether provider lets the person name their
// own Exchange Server as the resource of its Outlook scopes.
func onPremisesResource(provider string) bool {
	p, _ := catalog.Lookup(provider)
	return p.OnPremisesResource
}
