// Package catalogtest adds a provider to the catalog for a test, as the
// one row a new provider is: tests in every layer use it to show that the
// row is all a provider needs.
package catalogtest

import (
	"net/url"
	"testing"

	"github.com/latchkey/latchkey/accounts/catalog"
)

// Row is a provider called name that follows Google's quirks at
// endpoints e (an emulator's, on 127.0.0.1), with one scope of its own
// (Scope) that gives read-mail, its default capability; it refuses every
// other capability.
func Row(name string, e catalog.Endpoints) catalog.Provider {
	var offers []catalog.ProviderCapability
	for _, c := range catalog.Capabilities() {
		pc := catalog.ProviderCapability{Capability: c.Name, Refused: "it is a test provider that offers only read-mail"}
		if c.Name == catalog.CapabilityReadMail {
			pc = catalog.ProviderCapability{Capability: c.Name, Scopes: []string{Scope}}
		}
		offers = append(offers, pc)
	}
	return catalog.Provider{
		Name: name, Title: "Test Mail (a provider added in one row)", ShortTitle: "Test Mail",
		Blurb: "A mailbox at a provider that exists only in tests", Summary: "test mail",
		Family: catalog.FamilyGoogle, Endpoints: e,
		Scopes:            []string{"openid", "email", Scope},
		SignInScopes:      []string{"openid", "email"},
		RedirectHost:      "127.0.0.1",
		AuthParams:        url.Values{"access_type": {"offline"}, "prompt": {"consent"}},
		NeedsClientSecret: true,
		Console:           e.Auth,
		Steps:             []string{"Register a desktop client at the test provider.", "Copy its client ID and secret into the fields below."},
		Register:          "Register a desktop client at the test provider and keep its id in %s.",
		DefaultCapability: catalog.CapabilityReadMail,
		Explained: []catalog.ScopeInfo{
			{Scope: "openid", Resource: "Test sign-in", Purpose: "Lets Latchkey sign you in and confirm which account you used.",
				Access: catalog.AccessIdentity, Sensitivity: catalog.SensitivityNonSensitive, Known: true},
			{Scope: "email", Resource: "Test sign-in", Purpose: "Shows the main email address of your test account to the program.",
				Access: catalog.AccessIdentity, Sensitivity: catalog.SensitivityNonSensitive, Known: true},
			{Scope: Scope, Resource: "Test mail", Purpose: "Reads every message in your test mailbox without changing anything.",
				Access: catalog.AccessRead, Sensitivity: catalog.SensitivityRestricted, Known: true},
		},
		Offers: offers,
	}
}

// Scope is the test provider's own scope, which gives read-mail.
const Scope = "https://mail.provider.test/auth/mail.readonly"

// Add adds row to the catalog for the rest of t; t must not run in
// parallel with tests that read the catalog.
func Add(t testing.TB, row catalog.Provider) catalog.Provider {
	t.Helper()
	t.Cleanup(catalog.AddForTest(row))
	return row
}
