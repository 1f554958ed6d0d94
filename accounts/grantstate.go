package accounts

import "github.com/latchkey/latchkey/accounts/catalog"

// Granted against requested. Google lists everything granted in each token
// response. Microsoft issues a token for one resource at a time and lists
// only that resource's scopes (and the OpenID ones only with Graph), so a
// requested scope of a resource no token was issued for yet is neither
// granted nor refused: it is unconfirmed until the first token for it.

// updateGrantState sets the account's NotGranted and Unconfirmed from
// what it requested and what the token responses so far granted.
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

// mergeResourceScopes records a Microsoft token response for resource res:
// the account's granted scopes of res (and, for Graph, the OpenID scopes
// listed with it) are replaced by granted; other resources' stay.
func mergeResourceScopes(old, granted []string, res, graph string) []string {
	var out []string
	for _, sc := range old {
		x := catalog.ScopeResource(sc, graph)
		if x == res || x == "" && res == graph {
			continue
		}
		out = append(out, sc)
	}
	return withScopes(out, granted...)
}
