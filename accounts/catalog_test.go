package accounts

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/accounts/catalog"
)

// TestPlanScopesRefusedError: a capability a provider cannot offer is a
// *RefusedError that matches ErrCapabilityRefused and ErrUsage, with the
// table's reason.
func TestPlanScopesRefusedError(t *testing.T) {
	for _, p := range catalog.Names() {
		for _, pc := range catalog.ProviderCapabilities(p) {
			if pc.Refused == "" {
				continue
			}
			_, err := planScopes(p, []catalog.Capability{pc.Capability}, nil)
			var re *RefusedError
			if !errors.As(err, &re) || !errors.Is(err, ErrUsage) || !errors.Is(err, ErrCapabilityRefused) || re.Reason != pc.Refused {
				t.Errorf("planScopes(%s, %s) = %v, want the refusal", p, pc.Capability, err)
			}
		}
	}
	_, err := planScopes("testidp", []catalog.Capability{catalog.CapabilityReadMail}, nil)
	var re *RefusedError
	if !errors.As(err, &re) || !strings.Contains(re.Reason, "--scope") {
		t.Errorf("planScopes(testidp) = %v, want a refusal naming --scope", err)
	}
}

func TestParseCapabilities(t *testing.T) {
	got, err := ParseCapabilities("read-mail, Send-Mail,read-mail")
	if err != nil || !slices.Equal(got, []catalog.Capability{catalog.CapabilityReadMail, catalog.CapabilitySendMail}) {
		t.Errorf("ParseCapabilities = %v, %v", got, err)
	}
	if _, err := ParseCapabilities("read-mail,fly"); !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "mail-client") {
		t.Errorf("unknown capability: %v", err)
	}
}
