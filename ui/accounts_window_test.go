package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/catalog"
)

// visibleText is the text a person sees in o, its lines joined by spaces,
// skipping everything inside a hidden object.
func visibleText(o fyne.CanvasObject) string {
	var lines []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if !o.Visible() {
			return
		}
		switch c := o.(type) {
		case *canvas.Text:
			if strings.TrimSpace(c.Text) != "" {
				lines = append(lines, c.Text)
			}
		case *fyne.Container:
			for _, child := range c.Objects {
				walk(child)
			}
		case fyne.Widget:
			for _, child := range test.WidgetRenderer(c).Objects() {
				walk(child)
			}
		}
	}
	walk(o)
	return strings.Join(lines, " ")
}

func newTestShell(t *testing.T, list []accounts.Account, err error) (*Shell, *fakeTray, *fakeLister) {
	t.Helper()
	a := test.NewTempApp(t)
	lister := &fakeLister{accounts: list, err: err}
	host := &fakeTray{}
	s := newShell(a, lister, host, Options{Now: fixedClock})
	s.prompted = true // these tests are not about the first-start wizard
	s.window.win.Resize(fyne.NewSize(480, 360))
	<-s.Reload()
	return s, host, lister
}

func TestAccountsWindowEmpty(t *testing.T) {
	s, host, _ := newTestShell(t, nil, nil)

	text := visibleText(s.window.win.Content())
	for _, want := range []string{"No accounts yet.", "Connect an account…"} {
		if !strings.Contains(text, want) {
			t.Errorf("window shows %q; want it to contain %q", text, want)
		}
	}
	if strings.Contains(text, "Loading") {
		t.Errorf("window still says loading: %q", text)
	}
	if s.window.refresh.Disabled() {
		t.Error("Refresh is disabled after loading")
	}
	if got := menuLabels(host.menu); !slices.Contains(got, "[No accounts connected]") {
		t.Errorf("tray menu = %q", got)
	}
	test.AssertRendersToMarkup(t, "accounts_window_empty.xml", s.window.win.Canvas())
}

func TestAccountsWindowTwoAccounts(t *testing.T) {
	s, host, _ := newTestShell(t, []accounts.Account{alice, bob}, nil)

	text := visibleText(s.window.win.Content())
	for _, want := range []string{
		"alice@contoso.com", "Microsoft · connected",
		"bob@example.com", "Google · needs reconnect",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("window shows %q; want it to contain %q", text, want)
		}
	}
	if strings.Contains(text, "No accounts yet") {
		t.Errorf("window shows the empty state with two accounts: %q", text)
	}
	if host.icon != trayIconAttention {
		t.Errorf("tray icon = %s, want the attention icon", host.icon.Name())
	}
	want := []string{"alice@contoso.com — connected", "Reconnect bob@example.com…", "---", "Connect account…", "Manage accounts…", "---", "Quit"}
	if got := menuLabels(host.menu); !slices.Equal(got, want) {
		t.Errorf("tray menu = %q, want %q", got, want)
	}
	test.AssertRendersToMarkup(t, "accounts_window_two.xml", s.window.win.Canvas())
}

func TestAccountsWindowRefresh(t *testing.T) {
	s, host, lister := newTestShell(t, nil, nil)
	lister.set([]accounts.Account{alice}, nil)

	test.Tap(s.window.refresh)
	settle(t, s.bg)

	if lister.calls != 2 {
		t.Errorf("List called %d times, want 2 (start, Refresh)", lister.calls)
	}
	if text := visibleText(s.window.win.Content()); !strings.Contains(text, "alice@contoso.com") {
		t.Errorf("after Refresh the window shows %q", text)
	}
	if host.icon != trayIconNormal {
		t.Errorf("tray icon = %s, want the normal icon", host.icon.Name())
	}
}

func TestAccountsWindowError(t *testing.T) {
	s, host, lister := newTestShell(t, []accounts.Account{alice}, nil)
	lister.set(nil, errStore)
	<-s.Reload()

	text := visibleText(s.window.win.Content())
	for _, want := range []string{"could not read your accounts", "keychain unavailable", "alice@contoso.com"} {
		if !strings.Contains(text, want) {
			t.Errorf("window shows %q; want it to contain %q", text, want)
		}
	}
	if host.icon != trayIconAttention {
		t.Errorf("tray icon = %s, want the attention icon", host.icon.Name())
	}
}

// TestAccountsWindowErrorAdvice: a load that fails for a known reason (the
// keychain is locked) says what to do, through plainError, not only the
// raw error.
func TestAccountsWindowErrorAdvice(t *testing.T) {
	s, _, lister := newTestShell(t, nil, nil)
	lister.set(nil, fmt.Errorf("list accounts: %w: the collection is locked", accounts.ErrKeychain))
	<-s.Reload()
	text := visibleText(s.window.win.Content())
	for _, want := range []string{"could not read your accounts", "Unlock it", "Press Refresh"} {
		if !strings.Contains(text, want) {
			t.Errorf("window shows %q; want it to contain %q", text, want)
		}
	}
}

func TestUnavailable(t *testing.T) {
	s := newShell(test.NewTempApp(t), Unavailable(errStore), &fakeTray{}, Options{})
	<-s.Reload()
	if text := visibleText(s.window.win.Content()); !strings.Contains(text, "open accounts: keychain unavailable") {
		t.Errorf("window shows %q", text)
	}
}

func TestEscapeHidesWindow(t *testing.T) {
	s := newShell(test.NewTempApp(t), &fakeLister{}, &fakeTray{}, Options{})
	s.Show()
	// The test driver's Hide records nothing, so count calls instead.
	hidden := 0
	s.window.hide = func() { hidden++ }

	s.window.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	s.window.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyA})
	if hidden != 1 {
		t.Errorf("window hidden %d times after Escape and A, want 1", hidden)
	}
}

func TestAccountRowLabels(t *testing.T) {
	tests := []struct {
		account     accounts.Account
		detail, why string
	}{
		{alice, "Microsoft · connected", ""},
		{bob, "Google · needs reconnect", bob.StatusReason},
		{accounts.Account{Provider: "github", Status: accounts.StatusNeedsReconnect}, "Github · needs reconnect", "Sign in again to keep using this account."},
		{accounts.Account{Provider: "google", Status: accounts.StatusRevoking, StatusReason: "revoking Latchkey's access started but did not finish; revoke it again to finish"},
			"Google · revoke not finished", "Revoking Latchkey's access started but did not finish; revoke it again to finish."},
		{accounts.Account{Provider: "microsoft", Status: accounts.StatusNeedsReconnect, StatusReason: "the saved sign-in expired because it was not used for 90 days"},
			"Microsoft · needs reconnect", "The saved sign-in expired because it was not used for 90 days."},
	}
	for _, tt := range tests {
		if got := accountDetail(tt.account); got != tt.detail {
			t.Errorf("accountDetail(%s) = %q, want %q", tt.account.ID, got, tt.detail)
		}
		if got := accountReason(tt.account); got != tt.why {
			t.Errorf("accountReason(%s) = %q, want %q", tt.account.ID, got, tt.why)
		}
	}
}

// TestProviderWords walks every built-in provider: each has a proper
// name, and the sentences that say where a grant lives name the company
// the person signed in at.
func TestProviderWords(t *testing.T) {
	want := map[string]struct{ name, company string }{
		"microsoft": {"Microsoft", "Microsoft"},
		"exchange":  {"Exchange Online", "Microsoft"},
		"google":    {"Google", "Google"},
	}
	for _, p := range catalog.Providers() {
		w, ok := want[p.Name]
		if !ok {
			t.Errorf("provider %q has no expected words in this test", p.Name)
			continue
		}
		if got := providerName(p.Name); got != w.name {
			t.Errorf("providerName(%q) = %q, want %q", p.Name, got, w.name)
		}
		if got := signInCompany(p.Name); got != w.company {
			t.Errorf("signInCompany(%q) = %q, want %q", p.Name, got, w.company)
		}
		a := accounts.Account{ID: "x", Email: "carol@contoso.com", Provider: p.Name, Status: accounts.StatusNeedsReconnect}
		if _, body := reconnectNotice(a); !strings.HasPrefix(body, w.company+" no longer accepts") {
			t.Errorf("reconnectNotice for %q: %q", p.Name, body)
		}
	}
	if got := signInCompany("github"); got != "Github" {
		t.Errorf("signInCompany(github) = %q, want the provider name", got)
	}
}

func TestKeyboard(t *testing.T) {
	s, _, lister := newTestShell(t, []accounts.Account{alice}, nil)
	hidden := 0
	s.window.hide = func() { hidden++ }
	c := s.window.win.Canvas()

	// Escape dismisses an open dialog first, then hides the window.
	test.Tap(s.window.buttons["Revoke access…"])
	if s.window.dialog == nil {
		t.Fatal("no revoke confirmation")
	}
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if s.window.dialog != nil || hidden != 0 {
		t.Fatalf("after Escape: dialog %v, window hidden %d times; want the dialog gone and the window kept", s.window.dialog, hidden)
	}
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if hidden != 1 {
		t.Errorf("second Escape hid the window %d times, want 1", hidden)
	}

	s.window.shortcuts[fyne.KeyW]()
	if hidden != 2 {
		t.Errorf("Ctrl+W hid the window %d times in all, want 2", hidden)
	}
	s.window.shortcuts[fyne.KeyR]()
	settle(t, s.bg)
	if lister.calls != 2 {
		t.Errorf("Ctrl+R: %d loads, want 2", lister.calls)
	}
	s.window.shortcuts[fyne.KeyN]()
	if s.wizard.step != stepProvider {
		t.Errorf("Ctrl+N: wizard at step %d", s.wizard.step)
	}
	// Escape in the wizard closes it and cancels nothing that is not running.
	s.wizard.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
}

func TestFirstStartWizard(t *testing.T) {
	for _, atLogin := range []bool{false, true} {
		s := newShell(test.NewTempApp(t), &fakeLister{}, &fakeTray{}, Options{StartedAtLogin: atLogin})
		<-s.Reload()
		opened := s.wizard.title.Text != "" // set when a step is shown
		if opened == atLogin {
			t.Errorf("started at login %v: wizard opened %v", atLogin, opened)
		}
	}
}

// TestUnknownScopeWords: a scope outside the catalog reads as the catalog
// words it, the same in the app as in `latchkey show`.
func TestUnknownScopeWords(t *testing.T) {
	test.NewTempApp(t)
	info := catalog.LookupScope("google", "https://www.googleapis.com/auth/not-a-real-scope")
	if info.Known {
		t.Fatal("the made-up scope is in the catalog")
	}
	text := visibleText(scopeRow(scopeView(info), nil))
	if !strings.Contains(text, info.Purpose) || !strings.Contains(text, info.Scope) {
		t.Errorf("unknown scope shows %q, want the catalog's %q", text, info.Purpose)
	}
}
