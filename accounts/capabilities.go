package accounts

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/accounts/catalog"
)

// ParseCapabilities reads a list such as "read-mail,send-mail" (commas or
// spaces). An unknown name is an ErrUsage error that lists the known ones.
func ParseCapabilities(list string) ([]catalog.Capability, error) {
	var out []catalog.Capability
	for _, n := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }) {
		c, ok := catalog.CapabilityByName(strings.ToLower(n))
		if !ok {
			var names []string
			for _, c := range catalog.Capabilities() {
				names = append(names, string(c.Name))
			}
			return nil, fmt.Errorf("%w: %q is not a capability Latchkey knows; choose from %s", ErrUsage, n, strings.Join(names, ", "))
		}
		if !slices.Contains(out, c.Name) {
			out = append(out, c.Name)
		}
	}
	return out, nil
}

// RefusedError says that a provider cannot offer a capability, and why.
type RefusedError struct {
	// Provider is the provider's name.
	Provider string
	// Capability is the capability it cannot offer.
	Capability catalog.Capability
	// Reason says why, in plain words, and what to use instead.
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s cannot offer %s: %s", e.Provider, e.Capability, e.Reason)
}

// Is makes a RefusedError match ErrCapabilityRefused and ErrUsage.
func (e *RefusedError) Is(target error) bool {
	return target == ErrCapabilityRefused || target == ErrUsage
}

// planScopes is catalog.PlanScopes with a refusal as a *RefusedError.
func planScopes(provider string, caps []catalog.Capability, extra []string) (catalog.ScopePlan, error) {
	plan, err := catalog.PlanScopes(provider, caps, extra)
	if r := (*catalog.Refusal)(nil); errors.As(err, &r) {
		return plan, &RefusedError{Provider: r.Provider, Capability: r.Capability, Reason: r.Reason}
	}
	return plan, err
}
