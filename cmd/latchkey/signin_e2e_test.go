package main

// The browser sign-in against local attackers and mixed-up providers,
// through the real binary: RFC 9207's iss and the sign-in URL kept out of
// other processes' argv.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/accounts/oidcprovidertest"
	"github.com/latchkey/latchkey/accounts/providertest"
)

// TestProperty37_ForeignIssRefused: an authorization response whose iss
// names another issuer is refused with exit code 7 before the code is
// redeemed, for Microsoft (which does not advertise RFC 9207's iss) and
// for an OpenID provider that does not advertise it either; nothing is
// saved. The right iss, or none where none is promised, still connects.
func TestProperty37_ForeignIssRefused(t *testing.T) {
	t.Parallel()
	t.Run("microsoft", func(t *testing.T) {
		t.Parallel()
		ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
		w := newWorld(t, fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL))
		for _, foreign := range []string{
			"https://login.evil.test/" + ms.TenantID + "/v2.0", // another authority
			ms.URL + "/common/v2.0",                            // not a tenant
		} {
			ms.SetAuthResponseIssuer(foreign)
			r := w.expectExit(exitSignIn, "connect", "microsoft", "--timeout", "60s")
			if !strings.Contains(r.stderr, "unexpected issuer") {
				t.Errorf("stderr does not name the issuer mix-up: %s", r.stderr)
			}
			if n := ms.Exchanges(); n != 0 {
				t.Errorf("the code of a foreign iss was redeemed (%d token requests)", n)
			}
			if l := w.list(); len(l) != 0 {
				t.Errorf("a foreign iss saved %+v", l)
			}
		}
		ms.SetAuthResponseIssuer(ms.Issuer())
		w.must("connect", "microsoft", "--timeout", "60s")
		w.noLeaks(ms.IssuedTokens())
	})
	t.Run("openid provider not advertising iss", func(t *testing.T) {
		t.Parallel()
		srv := oidcprovidertest.Start(t, oidcprovidertest.Options{HideISSSupport: true})
		w := newWorld(t, oidcConfig(srv))
		srv.SetAuthResponseIssuer(t, "http://127.0.0.1:1/elsewhere")
		r := w.expectExit(exitSignIn, "connect", "testidp", "--timeout", "60s")
		if !strings.Contains(r.stderr, "unexpected issuer") {
			t.Errorf("stderr does not name the issuer mix-up: %s", r.stderr)
		}
		if codes, _ := srv.Stats(t); codes != 0 {
			t.Errorf("the code of a foreign iss was redeemed (%d times)", codes)
		}
		if l := w.list(); len(l) != 0 {
			t.Errorf("a foreign iss saved %+v", l)
		}
		// Not advertised, so not required: no iss at all still connects.
		srv.SetAuthResponseIssuer(t, "")
		w.must("connect", "testidp", "--timeout", "60s")
		w.noLeaks(srv.IssuedTokens(t))
	})
}
