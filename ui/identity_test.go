package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/providertest"
)

// TestReconnectOtherPerson: Reconnect signs in another person with the
// account's address (another user of the same tenant). The wizard says
// who is who in a dialog; Keep leaves the account as it was, Replace signs
// in again and puts the new person in its place.
func TestReconnectOtherPerson(t *testing.T) {
	core := newRealCore(t, providertest.MicrosoftOptions{}, nil)
	alice := connectAlice(t, core)
	s, _, _ := newRealShell(t, core)
	w := s.wizard
	w.win.Resize(fyne.NewSize(620, 560))
	core.ms.SwitchUser("", "Mallory Other")

	signIn := func() {
		t.Helper()
		s.reconnect(alice, false)
		settle(t, s.bg)
		test.Tap(w.next) // what to allow
		started := w.signIns
		test.Tap(w.next) // the registration: sign in
		if w.signIns == started {
			t.Fatal("no sign-in started")
		}
		settle(t, w.bg)
	}
	signIn()
	var other *accounts.IdentityMismatchError
	if !errors.As(w.failure, &other) || w.otherPerson == nil {
		t.Fatalf("sign-in as another person: %v, dialog %v", w.failure, w.otherPerson != nil)
	}
	text := visibleText(w.win.Canvas().Overlays().Top())
	for _, want := range []string{"Another account signed in", "Mallory Other <alice@contoso.test>", "Alice Tester <alice@contoso.test>", "Nothing was changed", "Keep", "Replace"} {
		if !strings.Contains(text, want) {
			t.Errorf("dialog shows %q; want %q", text, want)
		}
	}
	test.AssertRendersToMarkup(t, "wizard_other_person.xml", w.win.Canvas())

	test.Tap(findButton(t, w.win.Canvas(), "Keep"))
	if list, _ := core.List(context.Background()); len(list) != 1 || list[0].Name != "Alice Tester" {
		t.Fatalf("after Keep: %+v", list)
	}

	signIn()
	started := w.signIns
	test.Tap(findButton(t, w.win.Canvas(), "Replace"))
	if w.signIns == started {
		t.Fatal("Replace started no sign-in")
	}
	settle(t, w.bg)
	if w.failure != nil {
		t.Fatalf("Replace: %v", w.failure)
	}
	if list, _ := core.List(context.Background()); len(list) != 1 || list[0].Name != "Mallory Other" {
		t.Errorf("after Replace: %+v", list)
	}
	// The reload the new connection started must end before the test
	// does: it would touch widgets while the next test renders text.
	settle(t, s.bg)
}

// TestOtherPersonText: the words for another organization, and for adding
// permissions, where replacing is not on offer.
func TestOtherPersonText(t *testing.T) {
	e := &accounts.IdentityMismatchError{Account: "microsoft:a@x.test", ConnectedAs: "A <a@x.test>", SignedInAs: "M <a@x.test>",
		Connected: accounts.Identity{TenantID: "t1", Subject: "1"}, SignedIn: accounts.Identity{TenantID: "t2", Subject: "2"}}
	if got := plainError(e); !strings.Contains(got, "another organization") || !strings.Contains(got, "Sign in again as A <a@x.test>") || strings.Contains(got, "Replace") {
		t.Errorf("plainError = %q", got)
	}
	e.CanReplace = true
	if got := plainError(e); !strings.Contains(got, "Replace") {
		t.Errorf("plainError = %q", got)
	}
}

// TestDetailPaneUnverifiedAddress: the pane says which address the
// provider does not vouch for, as latchkey show does.
func TestDetailPaneUnverifiedAddress(t *testing.T) {
	core := newRealCore(t, providertest.MicrosoftOptions{}, nil)
	a := connectAlice(t, core)
	s, _, _ := newRealShell(t, core)
	a.Email, a.UnverifiedEmail = "alice", "alice@contoso.test"
	text := visibleText(s.window.detailPane(a, Details{}, fixedNow))
	if !strings.Contains(text, "Unverified address: alice@contoso.test is not verified by the provider, so the account is named alice instead.") {
		t.Errorf("detail pane shows %q", text)
	}
}
