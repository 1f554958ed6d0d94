package accounts

import "github.com/latchkey/latchkey/accounts/catalog"

// Granted against requested. Google lists everything granted in each token
// response. Microsoft issues a token for one resource at a time and lists
// only that resource's scopes (and the OpenID ones only with Graph), so a
// requested scope of a resource no token was issued for yet is neither
// granted nor refused: it is unconfirmed until the first token for it.

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
