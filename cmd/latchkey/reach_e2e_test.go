package main

// Issue 14, "reach every user", through the real binary against the
// emulators: a build with a default app registration, device-code sign-in
// and shared mailboxes.

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/accounts/providertest"
)

// TestDefaultRegistrationConnects: a build with a default Microsoft client
// id connects with no client_id in config.toml, `version` says which
// registration is in use, and config.toml's client_id still wins. The
// build without one keeps asking the person to register an app.
func TestDefaultRegistrationConnects(t *testing.T) {
	t.Parallel()
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	config := fmt.Sprintf("[providers.microsoft]\nauthority = %q\n", ms.URL)

	plain := newWorld(t, config)
	r := plain.expectExit(exitConfig, "connect", "microsoft", "--timeout", "60s")
	if !strings.Contains(r.stderr, "Mobile and desktop applications") {
		t.Errorf("the build without a default does not explain registration: %s", r.stderr)
	}
	if out := plain.must("version"); !regexpMatch(`microsoft\s+global\s+none`, out) {
		t.Errorf("version of the plain build:\n%s", out)
	}

	w := newWorld(t, config)
	w.bin = defaultBinary
	if out := w.must("version"); !regexpMatch(`microsoft\s+global\s+built-in default\s+`+testDefaultClientID, out) ||
		!regexpMatch(`google\s+none`, out) {
		t.Errorf("version does not say the built-in registration is in use:\n%s", out)
	}
	w.must("connect", "microsoft", "--timeout", "60s")
	if got := ms.LastTokenRequest().Get("client_id"); got != testDefaultClientID {
		t.Errorf("signed in with client %q, want the built-in %q", got, testDefaultClientID)
	}
	if l := w.list(); len(l) != 1 || l[0].Status != "connected" {
		t.Fatalf("list = %+v", l)
	}
	if tok := w.must("token", ms.Email); strings.TrimSpace(tok) == "" {
		t.Error("no token from the account connected with the default registration")
	}

	// config.toml's own client id overrides the built-in one.
	own := newWorld(t, config+"client_id = \"someone-elses\"\n")
	own.bin = defaultBinary
	if out := own.must("version"); !regexpMatch(`microsoft\s+global\s+config\.toml\s+someone-elses`, out) {
		t.Errorf("version with an own client id:\n%s", out)
	}
	w.noLeaks(ms.IssuedTokens())
}

// regexpMatch reports whether text matches the regular expression re.
func regexpMatch(re, text string) bool { return regexp.MustCompile(re).MatchString(text) }
