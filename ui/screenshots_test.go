//go:build screenshots

package ui

import (
	"context"
	"fmt"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/providertest"
)

// TestScreenshots renders every screen with Fyne's software painter, in the
// light and the dark theme, into $LATCHKEY_SCREENSHOTS (make screenshots:
// assets/screenshots). It runs the real core against the emulators, like
// the widget tests.
func TestScreenshots(t *testing.T) {
	out := os.Getenv("LATCHKEY_SCREENSHOTS")
	if out == "" {
		out = filepath.Join("..", "assets", "screenshots")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct {
		name    string
		variant fyne.ThemeVariant
	}{{"light", theme.VariantLight}, {"dark", theme.VariantDark}} {
		t.Run(v.name, func(t *testing.T) { screenshots(t, out, v.name, v.variant) })
		t.Run(v.name+"/default registration", func(t *testing.T) { screenshotsDefaultRegistration(t, out, v.name, v.variant) })
	}
}

// variantTheme is Fyne's default theme held to one variant.
type variantTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

func (v variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return v.Theme.Color(n, v.variant)
}

func save(t *testing.T, dir, name string, c fyne.Canvas) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, c.Capture()); err != nil {
		t.Fatal(err)
	}
}

// openFirstAccordion expands the first scope list, to show its scopes.
func openFirstAccordion(o fyne.CanvasObject) bool {
	switch x := o.(type) {
	case *widget.Accordion:
		x.Open(0)
		return true
	case *fyne.Container:
		for _, ch := range x.Objects {
			if openFirstAccordion(ch) {
				return true
			}
		}
	case fyne.Widget:
		for _, ch := range test.WidgetRenderer(x).Objects() {
			if openFirstAccordion(ch) {
				return true
			}
		}
	}
	return false
}

func screenshots(t *testing.T, out, suffix string, variant fyne.ThemeVariant) {
	name := func(s string) string { return fmt.Sprintf("%s-%s", s, suffix) }
	record, urls := browserRecorder()
	browse := record
	core := newRealCore(t, providertest.MicrosoftOptions{Email: "alice@contoso.com", Name: "Alice Lindqvist"}, func(u string) error { return browse(u) })
	g := addGoogle(t, core, providertest.GoogleOptions{Email: "bob.tester@gmail.com", Name: "Bob", AccessTTL: time.Minute})

	a := test.NewTempApp(t)
	a.Settings().SetTheme(variantTheme{theme.DefaultTheme(), variant})
	host := &fakeTray{}
	s := newShell(a, core, host, Options{Notify: func(string, string, func()) {}, Now: fixedClock})
	s.wizard.after = func(time.Duration, func()) {}
	<-s.Reload()

	// The wizard, step by step, as a first start shows it.
	w := s.wizard
	w.win.Resize(fyne.NewSize(640, 600))
	save(t, out, name("wizard-1-provider"), w.win.Canvas())
	tapProvider(t, w, "Microsoft 365 / Outlook.com")
	settle(t, w.bg)
	test.Tap(w.next)
	w.checks[1].SetChecked(true) // send mail too
	openFirstAccordion(w.body.Content)
	w.body.Refresh()
	save(t, out, name("wizard-2-allow"), w.win.Canvas())
	test.Tap(w.next)
	save(t, out, name("wizard-3-registration"), w.win.Canvas())
	saveBrowserStep(t, w, urls, out, name("wizard-4-browser"))

	// A real connection for the result page: the stand-in browser.
	browse = providertest.Browser(t)
	core2 := core
	w.show(stepRegistration)
	test.Tap(w.next)
	settle(t, w.bg)
	save(t, out, name("wizard-5-result"), w.win.Canvas())
	settle(t, s.bg)

	// A second account, through Google.
	if _, err := core2.Connect(context.Background(), ConnectPlan{Provider: "google", Capabilities: []string{"read-mail", "read-calendar"}, Timeout: 30 * time.Second}, nil); err != nil {
		t.Fatal(err)
	}
	// Alice opens her team's shared mailbox too.
	if _, err := core2.svc.AddSharedMailbox(context.Background(), "microsoft:alice@contoso.com", "support@contoso.com"); err != nil {
		t.Fatal(err)
	}
	// msmtp used Alice's account a few minutes ago.
	core2.svc.TokenFor(context.Background(), "alice@contoso.com", accounts.TokenRequest{Requester: &accounts.Requester{Program: "msmtp"}})
	<-s.Reload()
	fix := func() {
		for i, a := range s.state.Accounts {
			s.state.Accounts[i] = withFixedTimes(a)
			if d, ok := s.state.Details[a.ID]; ok && !d.LastUsed.IsZero() {
				d.LastUsed = fixedNow.Add(-3 * time.Minute)
				s.state.Details[a.ID] = d
			}
		}
		s.apply()
	}
	fix()
	win := s.window
	win.win.Resize(fyne.NewSize(900, 660))
	win.selectAccount("google:bob.tester@gmail.com")
	save(t, out, name("accounts-list"), win.win.Canvas())
	win.selectAccount("microsoft:alice@contoso.com")
	save(t, out, name("accounts-detail"), win.win.Canvas())
	test.Tap(win.buttons["Revoke access…"])
	save(t, out, name("revoke-confirm"), win.win.Canvas())
	test.Tap(findButton(t, win.win.Canvas(), "Cancel"))

	// Bob's sign-in is refused: the account needs attention.
	g.FailNext(providertest.InvalidGrant(0).Revoking())
	core2.svc.Token(context.Background(), "google:bob.tester@gmail.com", nil)
	<-s.Reload()
	fix()
	win.selectAccount("google:bob.tester@gmail.com")
	save(t, out, name("accounts-attention"), win.win.Canvas())

	// Reconnecting Alice signs in another person of her organization with
	// her address: the wizard asks whether to replace her.
	core.ms.SwitchUser("", "Mallory Other")
	alice, _ := core2.svc.Show(context.Background(), "microsoft:alice@contoso.com")
	s.reconnect(alice, false)
	settle(t, s.bg)
	test.Tap(w.next)
	test.Tap(w.next)
	settle(t, w.bg)
	save(t, out, name("wizard-other-person"), w.win.Canvas())

	// With approval on, a program Latchkey does not know asks for a token.
	prompt := NewApprovalPrompt(a, accounts.ApprovalRequest{
		Account: "microsoft:alice@contoso.com", For: "an IMAP/POP/SMTP login (XOAUTH2)", CanKeep: true,
		Requester: accounts.Requester{Program: "msmtp", Exe: "/usr/bin/msmtp", PID: 48213, Parent: "neomutt", ParentPID: 48190},
	}, func(accounts.Decision) {})
	prompt.Show()
	save(t, out, name("approval-prompt"), prompt.win.Canvas())
}

// screenshotsDefaultRegistration renders the wizard of a build with a
// default app registration: three steps, no registration step.
func screenshotsDefaultRegistration(t *testing.T, out, suffix string, variant fyne.ThemeVariant) {
	name := func(s string) string { return fmt.Sprintf("%s-%s", s, suffix) }
	record, urls := browserRecorder()
	core := newRealCore(t, providertest.MicrosoftOptions{Email: "alice@contoso.com", Name: "Alice Lindqvist"}, record)
	a := test.NewTempApp(t)
	a.Settings().SetTheme(variantTheme{theme.DefaultTheme(), variant})
	s := newShell(a, withDefaultRegistration(core), &fakeTray{}, Options{Notify: func(string, string, func()) {}, Now: fixedClock})
	s.wizard.after = func(time.Duration, func()) {}
	<-s.Reload()
	w := s.wizard
	w.win.Resize(fyne.NewSize(640, 600))
	tapProvider(t, w, "Microsoft 365 / Outlook.com")
	settle(t, w.bg)
	save(t, out, name("wizard-default-1-provider"), w.win.Canvas())
	test.Tap(w.next)
	w.checks[1].SetChecked(true)
	save(t, out, name("wizard-default-2-allow"), w.win.Canvas())
	saveBrowserStep(t, w, urls, out, name("wizard-default-3-browser"))
	<-s.Reload() // nothing of this shell may still draw when the next test does
}

// saveBrowserStep taps Next into the browser step, saves it as name with a
// fixed sign-in link, and cancels the sign-in.
func saveBrowserStep(t *testing.T, w *wizard, urls <-chan string, out, name string) {
	test.Tap(w.next)
	<-urls
	w.signInURL.SetText("http://127.0.0.1:52817/start/q3V8cZr1mT0xLk2NwYb7sA")
	save(t, out, name, w.win.Canvas())
	test.Tap(findButton(t, w.win.Canvas(), "Cancel sign-in"))
	settle(t, w.bg)
}
