package accounts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/catalog/catalogtest"
	"github.com/latchkey/latchkey/accounts/providertest"
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

// TestConnectCatalogRow: a provider added to the catalog as one row (with
// Google's quirks, at the Google emulator) is set up from config.toml,
// connects with its default capability, hands out tokens and is revoked
// at its own endpoint, with nothing else written for it.
func TestConnectCatalogRow(t *testing.T) {
	g := providertest.NewGoogle(t, providertest.GoogleOptions{})
	row := catalogtest.Add(t, catalogtest.Row("testmail", catalog.Endpoints{Auth: g.AuthURL, Token: g.TokenURL, Revoke: g.RevokeURL, Issuer: g.Issuer}))
	s, _ := newReviewService(t, newMemStore(), fmt.Sprintf("[providers.testmail]\nclient_id = %q\nclient_secret = %q\n", g.ClientID, g.ClientSecret))
	ctx := context.Background()
	cfg, err := s.Config()
	if err != nil {
		t.Fatal(err)
	}
	if names := cfg.ProviderNames(); !slices.Contains(names, row.Name) {
		t.Errorf("ProviderNames = %q, want %s", names, row.Name)
	}
	a, err := s.Connect(ctx, ConnectRequest{Provider: row.Name, Allow: []catalog.Capability{row.DefaultCapability}, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if a.ID != row.Name+":"+g.Email || !slices.Contains(a.Scopes, catalogtest.Scope) || !slices.Equal(a.Capabilities, []catalog.Capability{row.DefaultCapability}) {
		t.Errorf("connected %+v", a)
	}
	if tok, err := s.Token(ctx, a.ID, nil); err != nil || tok.Token == "" {
		t.Errorf("Token: %v", err)
	}
	if _, err := s.Revoke(ctx, a.ID, RevokeOptions{NoBrowser: true}); err != nil || g.Revokes() != 1 {
		t.Errorf("Revoke = %v, %d revokes at the row's endpoint", err, g.Revokes())
	}
}
