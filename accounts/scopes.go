package accounts

import (
	"slices"
	"strings"
)

// scopeAliases are spellings providers use for the same scope in
// responses: Google answers "email" with the userinfo URL.
var scopeAliases = map[string]string{
	"https://www.googleapis.com/auth/userinfo.email":   "email",
	"https://www.googleapis.com/auth/userinfo.profile": "profile",
}

// sameScope reports whether two scope strings name the same permission:
// case-insensitively, with or without a Microsoft Graph prefix, and
// through the aliases above.
func sameScope(a, b, graph string) bool {
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
	for _, g := range microsoftClouds {
		if rest, ok := strings.CutPrefix(strings.ToLower(s), strings.ToLower(g.Graph)+"/"); ok {
			return rest
		}
	}
	return strings.ToLower(s)
}

// notGranted lists the requested scopes the provider did not grant.
// offline_access is not a permission on data: a refresh token proves it.
func notGranted(requested, granted []string, graph string) []string {
	missing := []string{}
	for _, r := range requested {
		if r == "offline_access" {
			continue
		}
		if !slices.ContainsFunc(granted, func(g string) bool { return sameScope(r, g, graph) }) {
			missing = append(missing, r)
		}
	}
	return missing
}

// covers reports whether granted includes every scope in want.
func covers(granted, want []string, graph string) bool {
	return len(notGranted(want, granted, graph)) == 0
}

// withScopes returns scopes with each of extra appended unless present.
func withScopes(scopes []string, extra ...string) []string {
	out := slices.Clone(scopes)
	for _, e := range extra {
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}
