package ui

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/catalog/catalogtest"
	"github.com/latchkey/latchkey/accounts/providertest"
)

// TestWizardOffersACatalogRow: a provider added to the catalog as one
// row is in the wizard's list with its blurb, preselects its default
// capability, shows its own registration steps, and connects through the
// wizard (against the Google emulator, whose quirks the row follows); the
// account is then named with the row's short title.
func TestWizardOffersACatalogRow(t *testing.T) {
	g := providertest.NewGoogle(t, providertest.GoogleOptions{})
	row := catalogtest.Add(t, catalogtest.Row("testmail", catalog.Endpoints{Auth: g.AuthURL, Token: g.TokenURL, Revoke: g.RevokeURL, Issuer: g.Issuer}))
	core := newRealCore(t, providertest.MicrosoftOptions{}, nil)
	s, _, _ := newRealShell(t, core)
	w := s.wizard
	w.win.Resize(fyne.NewSize(620, 560))
	if !strings.Contains(visibleText(w.win.Content()), row.Blurb) {
		t.Errorf("the provider step does not show the row's blurb")
	}
	tapProvider(t, w, row.Title)
	settle(t, w.bg)
	test.Tap(w.next)
	for i, c := range w.caps {
		if w.checks[i].Checked != (c.ID == string(row.DefaultCapability)) {
			t.Errorf("%s ticked = %v; want only the row's default", c.ID, w.checks[i].Checked)
		}
	}
	test.Tap(w.next)
	if w.step != stepRegistration {
		t.Fatalf("step %d, want the registration", w.step)
	}
	text := visibleText(w.win.Content())
	for _, want := range append(slices.Clone(row.Steps), "Client secret", row.RedirectURI()) {
		if !strings.Contains(text, want) {
			t.Errorf("registration step lacks %q: %q", want, text)
		}
	}
	test.Type(w.clientID, g.ClientID)
	test.Type(w.clientSecret, g.ClientSecret)
	w.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	settle(t, w.bg)
	if w.failure != nil {
		t.Fatalf("sign-in failed: %v", w.failure)
	}
	if text := visibleText(w.win.Content()); !strings.Contains(text, "Connected as") {
		t.Errorf("result shows %q", text)
	}
	settle(t, s.bg) // the account list reloads after the connect
	a := accounts.Account{Provider: row.Name, Status: accounts.StatusConnected}
	if got := accountDetail(a); got != row.ShortTitle+" · connected" {
		t.Errorf("accountDetail = %q", got)
	}
	if got := signInCompany(row.Name); got != row.ShortTitle {
		t.Errorf("signInCompany = %q", got)
	}
}
