package catalog

import (
	"slices"
	"strings"
)

// ScopeRequest is one scope Latchkey will ask for, and why.
type ScopeRequest struct {
	ScopeInfo
	// For lists the capabilities that need it (none for sign-in scopes
	// and scopes asked for by name).
	For []Capability `json:"for,omitempty"`
	// Why says in plain words why it is asked for.
	Why string `json:"why"`
}

// ScopePlan is what a connection will ask for: the fewest scopes that give
// the chosen capabilities, plus any asked for by name.
type ScopePlan struct {
	// Provider is the provider's name.
	Provider string `json:"provider"`
	// Capabilities are the capabilities chosen.
	Capabilities []Capability `json:"capabilities"`
	// Requests are the scopes to ask for, each with why.
	Requests []ScopeRequest `json:"requests"`
	// Notes are the capabilities' caveats, one sentence each.
	Notes []string `json:"notes,omitempty"`
}

// Scopes returns the scope strings to request, in order.
func (p ScopePlan) Scopes() []string {
	out := make([]string, len(p.Requests))
	for i, r := range p.Requests {
		out[i] = r.Scope
	}
	return out
}

// Refusal says that a provider cannot offer a capability, and why.
// accounts turns it into its *RefusedError, which matches its sentinels.
type Refusal struct {
	// Provider is the provider's name.
	Provider string
	// Capability is the capability it cannot offer.
	Capability Capability
	// Reason says why, in plain words, and what to use instead.
	Reason string
}

func (e *Refusal) Error() string {
	return e.Provider + " cannot offer " + string(e.Capability) + ": " + e.Reason
}

// PlanScopes works out what to ask provider for: its sign-in scopes, the
// fewest scopes that give caps (a scope another one already includes is
// left out), and extra scopes named by the person. A capability the
// provider cannot offer is a *Refusal; a provider without a capability
// table (custom OpenID providers) refuses every capability.
func PlanScopes(provider string, caps []Capability, extra []string) (ScopePlan, error) {
	plan := ScopePlan{Provider: provider, Capabilities: slices.Clone(caps)}
	if plan.Capabilities == nil {
		plan.Capabilities = []Capability{}
	}
	p, _ := Lookup(provider)
	for _, sc := range p.SignInScopes {
		plan.Add(sc, signInWhy[sc])
	}
	want, err := plan.wanted(caps)
	if err != nil {
		return ScopePlan{}, err
	}
	for _, w := range leastPrivilege(provider, want) {
		plan.Add(w.Scope, "", w.For...)
	}
	for _, sc := range extra {
		plan.Add(sc, "you asked for it by name")
	}
	for i := range plan.Requests {
		plan.Requests[i].explain()
	}
	return plan, nil
}

// wanted lists the scopes each of caps takes, and notes their caveats.
func (p *ScopePlan) wanted(caps []Capability) ([]ScopeRequest, error) {
	var want []ScopeRequest
	for _, c := range caps {
		pc, ok := CapabilityScopes(p.Provider, c)
		if !ok {
			return nil, &Refusal{Provider: p.Provider, Capability: c,
				Reason: "Latchkey knows capabilities only for " + JoinAnd(Names()) + "; name the scopes with --scope"}
		}
		if pc.Refused != "" {
			return nil, &Refusal{Provider: p.Provider, Capability: c, Reason: pc.Refused}
		}
		if pc.Note != "" && !slices.Contains(p.Notes, pc.Note) {
			p.Notes = append(p.Notes, pc.Note)
		}
		for _, sc := range pc.Scopes {
			want = append(want, ScopeRequest{ScopeInfo: ScopeInfo{Scope: sc}, For: []Capability{c}})
		}
	}
	return want, nil
}

// leastPrivilege drops a wanted scope that another wanted scope includes,
// crediting its capabilities to the broader one.
func leastPrivilege(provider string, want []ScopeRequest) []ScopeRequest {
	for i := range want {
		for j := range want {
			if i != j && want[j].Scope != "" && want[i].Scope != "" && want[i].Scope != want[j].Scope &&
				Implies(provider, want[j].Scope, want[i].Scope) {
				want[j].For = appendNew(want[j].For, want[i].For...)
				want[i].Scope = ""
			}
		}
	}
	return slices.DeleteFunc(want, func(w ScopeRequest) bool { return w.Scope == "" })
}

// explain orders the request's capabilities and, unless it has a reason
// already, says which capabilities need it.
func (r *ScopeRequest) explain() {
	slices.SortFunc(r.For, func(a, b Capability) int { return capabilityIndex(a) - capabilityIndex(b) })
	if r.Why != "" {
		return
	}
	names := make([]string, len(r.For))
	for k, c := range r.For {
		info, _ := CapabilityByName(string(c))
		names[k] = strings.ToLower(info.Title[:1]) + info.Title[1:]
	}
	r.Why = "needed to " + JoinAnd(names)
}

// SignInWhy says why a sign-in scope (openid, profile, email,
// offline_access) is asked for, "" for any other.
func SignInWhy(scope string) string { return signInWhy[scope] }

// signInWhy says why each sign-in scope is asked for.
var signInWhy = map[string]string{
	"openid":         "so Latchkey knows which account this is",
	"profile":        "so Latchkey can show the account by your name",
	"email":          "so Latchkey can show the account by its address",
	"offline_access": "so Latchkey can keep the account connected without asking you to sign in again",
}

func capabilityIndex(c Capability) int {
	return slices.IndexFunc(capabilityInfos, func(i CapabilityInfo) bool { return i.Name == c })
}

// Add appends scope to the plan, or merges it into the request already
// there for the same scope.
func (p *ScopePlan) Add(scope, why string, caps ...Capability) {
	for i := range p.Requests {
		if SameScopeIn(p.Provider, p.Requests[i].Scope, scope) {
			p.Requests[i].For = appendNew(p.Requests[i].For, caps...)
			return
		}
	}
	r := ScopeRequest{ScopeInfo: LookupScope(p.Provider, scope), For: slices.Clone(caps)}
	r.Scope, r.Why = scope, why
	p.Requests = append(p.Requests, r)
}

func appendNew[T comparable](s []T, items ...T) []T {
	for _, it := range items {
		if !slices.Contains(s, it) {
			s = append(s, it)
		}
	}
	return s
}

// JoinAnd joins words for an English sentence, as "a, b and c"; the
// front ends use it for the lists they write in their own sentences.
func JoinAnd(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
