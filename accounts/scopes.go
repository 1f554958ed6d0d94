package accounts

import (
	"slices"

	"github.com/latchkey/latchkey/accounts/catalog"
)

// notGranted lists the requested scopes the provider did not grant.
// offline_access is not a permission on data: a refresh token proves it.
func notGranted(requested, granted []string, graph string) []string {
	missing := []string{}
	for _, r := range requested {
		if r == "offline_access" {
			continue
		}
		if !slices.ContainsFunc(granted, func(g string) bool { return catalog.SameScope(r, g, graph) }) {
			missing = append(missing, r)
		}
	}
	return missing
}

// covers reports whether granted includes every scope in want.
func covers(granted, want []string, graph string) bool {
	return len(notGranted(want, granted, graph)) == 0
}

// withScopes returns scopes (or capabilities) with each of extra
// appended unless present.
func withScopes[T comparable](scopes []T, extra ...T) []T {
	out := slices.Clone(scopes)
	for _, e := range extra {
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}
