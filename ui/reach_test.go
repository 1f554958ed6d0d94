package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/providertest"
)

// defaultRegistrationCore plays a build with a default app registration
// for provider: the real core, whose Providers say so.
type defaultRegistrationCore struct {
	*realCore
	provider string
}

func (c defaultRegistrationCore) Providers() []ProviderInfo {
	out := c.realCore.Providers()
	for i := range out {
		out[i].DefaultRegistration = out[i].Name == c.provider
	}
	return out
}

// withDefaultRegistration makes core look like a build with a default
// registration for Microsoft. The sign-in itself still uses the emulator's
// client from config.toml: the ui tests cannot set the build-time id
// (cmd/latchkey's end-to-end tests build a binary that has one).
func withDefaultRegistration(core *realCore) AccountService {
	return defaultRegistrationCore{realCore: core, provider: "microsoft"}
}

// TestWizardSkipsRegistrationWithDefault: with a default registration the
// wizard goes from what to allow straight to the browser (3 steps), signs
// in, and leaves config.toml as it was.
func TestWizardSkipsRegistrationWithDefault(t *testing.T) {
	core := newRealCore(t, providertest.MicrosoftOptions{}, nil)
	before, err := os.ReadFile(filepath.Join(core.dir, accounts.ConfigFileName))
	if err != nil {
		t.Fatal(err)
	}
	s, _, _ := newRealShell(t, withDefaultRegistration(core))
	w := s.wizard
	w.win.Resize(fyne.NewSize(620, 560))
	tapProvider(t, w, "Microsoft 365 / Outlook.com")
	settle(t, w.bg)
	if text := visibleText(w.win.Content()); !strings.Contains(text, "No app registration needed: this build of Latchkey brings its own.") {
		t.Errorf("the provider step does not say Microsoft needs no registration: %q", text)
	}
	if got := w.counter.Text; got != "Step 1 of 3" {
		t.Errorf("counter %q, want Step 1 of 3", got)
	}
	test.Tap(w.next)
	if w.step != stepAllow || w.next.Text != "Continue in your browser" {
		t.Fatalf("step %d, Next %q; want the allow step leading to the browser", w.step, w.next.Text)
	}
	test.AssertRendersToMarkup(t, "wizard_allow_default_registration.xml", w.win.Canvas())
	test.Tap(w.next)
	settle(t, w.bg)
	settle(t, s.bg) // the account list reloads after the connect
	if w.step != stepResult || w.failure != nil {
		t.Fatalf("step %d, failure %v; want a connected account", w.step, w.failure)
	}
	after, _ := os.ReadFile(filepath.Join(core.dir, accounts.ConfigFileName))
	if string(after) != string(before) {
		t.Errorf("config.toml changed:\n%s\nwas\n%s", after, before)
	}
	test.Tap(w.back)
	if w.step != stepAllow {
		t.Errorf("Back from the result goes to step %d, want the allow step", w.step)
	}
}

// TestAccountsWindowSharedMailboxes: the detail pane lists an account's
// shared mailboxes under it, with how programs open them.
func TestAccountsWindowSharedMailboxes(t *testing.T) {
	withShared := alice
	withShared.SharedMailboxes = []string{"sales@contoso.com", "support@contoso.com"}
	s, _, _ := newTestShell(t, []accounts.Account{withShared, bob}, nil)
	s.window.win.Resize(fyne.NewSize(720, 560))
	s.window.selectAccount(alice.ID)
	text := visibleText(s.window.win.Content())
	for _, want := range []string{"Shared mailboxes", "sales@contoso.com", "support@contoso.com", "--mailbox ADDRESS"} {
		if !strings.Contains(text, want) {
			t.Errorf("the detail pane lacks %q: %q", want, text)
		}
	}
	test.AssertRendersToMarkup(t, "accounts_window_shared_mailboxes.xml", s.window.win.Canvas())
}
