package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/providertest"
	"github.com/latchkey/latchkey/accounts/secretstore"
	"github.com/zalando/go-keyring"
)

// These tests drive the screens with Fyne's test driver against the real
// core: accounts.Open over a temporary config dir, go-keyring's mock
// keychain (mockKeychain), and the Microsoft emulator from
// accounts/providertest with its stand-in browser.

// fixedNow is the clock of every golden, so dates and countdowns in the
// markup do not change from run to run.
var fixedNow = time.Date(2026, 3, 14, 9, 26, 0, 0, time.UTC)

// fixedClock is Options.Now for tests: fixedNow, shown in UTC whatever TZ is.
func fixedClock() time.Time { return fixedNow }

type realCore struct {
	AccountService
	svc   *accounts.Service
	ms    *providertest.Microsoft
	store *mockKeychain
	dir   string
}

// mockKeychain is an accounts.SecretStore over go-keyring's mock provider
// (keyring.MockInit), which behaves like the OS keychain as the core sees
// it: missing items are secretstore.ErrNotFound. Each core has its own
// service name, so tests running in parallel never share items. The mock
// is not safe for concurrent use, so calls go one at a time, as they do
// through secretstore's serial worker.
type mockKeychain struct{ service string }

var (
	mockKeyringOnce sync.Once
	mockKeyringMu   sync.Mutex
)

func newMockKeychain(t *testing.T) *mockKeychain {
	mockKeyringOnce.Do(keyring.MockInit)
	m := &mockKeychain{service: "latchkey-ui-test/" + t.Name()}
	// The mock is process-wide: with -count, a later run of the test would
	// find the items (and the identity pins) of the earlier one.
	t.Cleanup(func() {
		mockKeyringMu.Lock()
		defer mockKeyringMu.Unlock()
		keyring.DeleteAll(m.service)
	})
	return m
}

func (m *mockKeychain) Get(ctx context.Context, key string) ([]byte, error) {
	mockKeyringMu.Lock()
	defer mockKeyringMu.Unlock()
	v, err := keyring.Get(m.service, key)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, fmt.Errorf("keychain read %q: %w", key, secretstore.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return []byte(v), nil
}

func (m *mockKeychain) Set(ctx context.Context, key string, secret []byte) error {
	mockKeyringMu.Lock()
	defer mockKeyringMu.Unlock()
	return keyring.Set(m.service, key, string(secret))
}

func (m *mockKeychain) Delete(ctx context.Context, key string) error {
	mockKeyringMu.Lock()
	defer mockKeyringMu.Unlock()
	if err := keyring.Delete(m.service, key); err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return err
	}
	return nil
}

// newRealCore connects nothing yet; config.toml holds the emulator's
// client id and authority, as the wizard would have remembered them.
// browser opens sign-in URLs (nil: providertest's stand-in browser).
func newRealCore(t *testing.T, opts providertest.MicrosoftOptions, browser func(string) error) *realCore {
	t.Helper()
	rt := t.TempDir()
	os.Chmod(rt, 0o700)
	t.Setenv("XDG_RUNTIME_DIR", rt)
	// The access log goes to a temporary dir too, never the real home.
	t.Setenv("LATCHKEY_STATE_DIR", t.TempDir())
	m := providertest.NewMicrosoft(t, opts)
	dir := t.TempDir()
	cfg := fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", m.ClientID, m.URL)
	if err := os.WriteFile(filepath.Join(dir, accounts.ConfigFileName), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if browser == nil {
		browser = providertest.Browser(t)
	}
	store := newMockKeychain(t)
	svc, err := accounts.Open(accounts.Options{ConfigDir: dir, Keychain: store, OpenBrowser: browser})
	if err != nil {
		t.Fatal(err)
	}
	return &realCore{AccountService: NewAccountService(svc), svc: svc, ms: m, store: store, dir: dir}
}

// recordingNotify records notifications instead of showing them.
type recordingNotify struct {
	mu         sync.Mutex
	sent       []string
	calls      chan struct{}
	reconnects []func()
}

func newRecordingNotify() *recordingNotify { return &recordingNotify{calls: make(chan struct{}, 8)} }

func (r *recordingNotify) notify(title, body string, reconnect func()) {
	r.mu.Lock()
	r.sent = append(r.sent, title+"\n"+body)
	r.reconnects = append(r.reconnects, reconnect)
	r.mu.Unlock()
	r.calls <- struct{}{}
}

// newRealShell builds the shell over core with a recording tray and
// notifications, and waits for the first load.
func newRealShell(t *testing.T, core AccountService) (*Shell, *fakeTray, *recordingNotify) {
	t.Helper()
	a := test.NewTempApp(t)
	host := &fakeTray{}
	notes := newRecordingNotify()
	s := newShell(a, core, host, Options{Notify: notes.notify, Now: fixedClock})
	// The countdown's next tick would change widgets while the test
	// reads them; TestCountdown checks the ticking.
	s.wizard.after = func(time.Duration, func()) {}
	s.wizard.openURL = func(string) error { return nil }
	<-s.Reload()
	return s, host, notes
}

// findButton finds the visible button labelled text on c, dialogs included.
func findButton(t *testing.T, c fyne.Canvas, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if found != nil || !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *widget.Button:
			if x.Text == text {
				found = x
				return
			}
		case *fyne.Container:
			for _, ch := range x.Objects {
				walk(ch)
			}
			return
		}
		if w, ok := o.(fyne.Widget); ok {
			for _, ch := range test.WidgetRenderer(w).Objects() {
				walk(ch)
			}
		}
	}
	for _, o := range c.Overlays().List() {
		walk(o)
	}
	walk(c.Content())
	if found == nil {
		t.Fatalf("no button %q on screen", text)
	}
	return found
}

func TestWizardConnectsAgainstRealCore(t *testing.T) {
	core := newRealCore(t, providertest.MicrosoftOptions{}, nil)
	s, host, _ := newRealShell(t, core)
	w := s.wizard
	w.win.Resize(fyne.NewSize(620, 560))

	// First start with no accounts: the wizard opens by itself.
	if w.step != stepProvider || !s.prompted {
		t.Fatalf("first start: wizard at step %d, prompted %v", w.step, s.prompted)
	}
	if !w.next.Disabled() {
		t.Error("Next is enabled before a provider is chosen")
	}
	tapProvider(t, w, "Microsoft 365 / Outlook.com")
	settle(t, w.bg)
	test.AssertRendersToMarkup(t, "wizard_provider.xml", w.win.Canvas())

	test.Tap(w.next)
	if w.step != stepAllow || len(w.checks) == 0 {
		t.Fatalf("after Next: step %d with %d capabilities", w.step, len(w.checks))
	}
	for i, c := range w.caps {
		if w.checks[i].Checked != (c.Default && c.Unavailable == "") {
			t.Errorf("capability %s ticked = %v, want only least-privilege defaults ticked", c.ID, w.checks[i].Checked)
		}
	}
	test.AssertRendersToMarkup(t, "wizard_allow.xml", w.win.Canvas())

	test.Tap(w.next)
	if w.step != stepRegistration {
		t.Fatalf("step %d, want the registration", w.step)
	}
	if w.clientID.Text != core.ms.ClientID {
		t.Errorf("client ID field = %q, want the remembered %q", w.clientID.Text, core.ms.ClientID)
	}
	test.AssertRendersToMarkup(t, "wizard_registration.xml", w.win.Canvas())
	w.tenant.SetText("organizations")

	// Enter starts the sign-in like the button does.
	w.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	settle(t, w.bg)
	if w.failure != nil {
		t.Fatalf("sign-in failed: %v", w.failure)
	}
	text := visibleText(w.win.Content())
	for _, want := range []string{"Connected as Alice Tester (alice@contoso.test)", "What was granted"} {
		if !strings.Contains(text, want) {
			t.Errorf("result shows %q; want %q", text, want)
		}
	}
	test.AssertRendersToMarkup(t, "wizard_result.xml", w.win.Canvas())

	// The registration was remembered, the tenant included.
	reg, _ := core.Registration("microsoft")
	if reg.Tenant != "organizations" || reg.ClientID != core.ms.ClientID {
		t.Errorf("remembered registration = %+v", reg)
	}
	settle(t, s.bg)
	if got := menuLabels(host.menu); !slices.Contains(got, "alice@contoso.test — connected") {
		t.Errorf("tray menu after connecting = %q", got)
	}
	if host.icon != trayIconNormal {
		t.Errorf("tray icon = %s", host.icon.Name())
	}
}

// browserRecorder is a browser that opens nothing and hands over the URL.
func browserRecorder() (func(string) error, <-chan string) {
	urls := make(chan string, 1)
	return func(u string) error { urls <- u; return nil }, urls
}

func TestWizardBrowserStepAndCancel(t *testing.T) {
	open, urls := browserRecorder()
	core := newRealCore(t, providertest.MicrosoftOptions{}, open)
	s, host, _ := newRealShell(t, core)
	w := s.wizard
	w.win.Resize(fyne.NewSize(620, 560))
	tapProvider(t, w, "Microsoft 365 / Outlook.com")
	settle(t, w.bg)
	test.Tap(w.next)
	test.Tap(w.next)
	test.Tap(w.next)
	u := <-urls
	if w.signInURL.Text != u || w.copyURL.Disabled() {
		t.Errorf("the browser step shows %q (copy enabled: %v), want the sign-in URL", w.signInURL.Text, !w.copyURL.Disabled())
	}
	if !strings.Contains(w.countdown.Text, "5:00 left") {
		t.Errorf("countdown = %q", w.countdown.Text)
	}
	if host.icon != trayIconBusy || !slices.Contains(menuLabels(host.menu), "[Signing in…]") {
		t.Errorf("while signing in the tray shows %s %q", host.icon.Name(), menuLabels(host.menu))
	}
	// The URL in the markup changes every run (state, PKCE): blank it.
	w.signInURL.SetText("http://127.0.0.1/authorize?…")
	test.AssertRendersToMarkup(t, "wizard_browser.xml", w.win.Canvas())
	test.Tap(w.copyURL)
	if got := s.app.Clipboard().Content(); got != w.signInURL.Text {
		t.Errorf("clipboard = %q after Copy link", got)
	}

	test.Tap(findButton(t, w.win.Canvas(), "Cancel sign-in"))
	settle(t, w.bg)
	if w.signingIn() || host.icon == trayIconBusy {
		t.Error("still signing in after Cancel")
	}
	if list, _ := core.List(context.Background()); len(list) != 0 {
		t.Errorf("a cancelled sign-in saved %d accounts", len(list))
	}
}

// connectAlice connects the emulator's user through the core.
func connectAlice(t *testing.T, core *realCore) accounts.Account {
	t.Helper()
	a, err := core.Connect(context.Background(), ConnectPlan{Provider: "microsoft", Capabilities: []string{"read-mail", "send-mail"}, Timeout: 30 * time.Second}, nil)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return a
}

// TestDetailPaneUnconfirmed connects an account that asked for mail
// through Microsoft Graph and for IMAP at Outlook: Microsoft answers for
// IMAP only when a program first asks for an IMAP token, so the pane lists
// it, with a word on why, under "Not confirmed yet", as latchkey show does;
// once a program has that token, the section is gone.
func TestDetailPaneUnconfirmed(t *testing.T) {
	core := newRealCore(t, providertest.MicrosoftOptions{}, nil)
	const imap = "https://outlook.office.com/IMAP.AccessAsUser.All"
	ctx := context.Background()
	if _, err := core.svc.Connect(ctx, accounts.ConnectRequest{Provider: "microsoft", Allow: []catalog.Capability{catalog.CapabilityReadMail},
		Scopes: []string{imap}, Timeout: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	s, _, _ := newRealShell(t, core)
	w := s.window
	w.win.Resize(fyne.NewSize(860, 640))
	<-s.Reload()
	list, _ := core.List(ctx)
	a := withFixedTimes(list[0])
	s.state.Accounts = []accounts.Account{a}
	s.apply()
	text := visibleText(w.detail)
	for _, want := range []string{"Read your mail", "Not confirmed yet",
		"The provider says whether it allows them the first time a program uses them", "IMAP.AccessAsUser.All"} {
		if !strings.Contains(text, want) {
			t.Errorf("detail pane shows %q; want %q", text, want)
		}
	}
	test.AssertRendersToMarkup(t, "accounts_detail_unconfirmed.xml", w.win.Canvas())

	if _, err := core.svc.Token(ctx, a.ID, []string{imap}); err != nil {
		t.Fatal(err)
	}
	<-s.Reload()
	if text := visibleText(w.detail); strings.Contains(text, "Not confirmed yet") {
		t.Errorf("after a program got the IMAP token the pane still shows %q", text)
	}
}

// withFixedTimes gives a's dates fixed values, for goldens.
func withFixedTimes(a accounts.Account) accounts.Account {
	a.ConnectedAt = fixedNow.Add(-26 * time.Hour)
	a.LastRefresh = fixedNow.Add(-12 * time.Minute)
	a.AccessExpiry = fixedNow.Add(47 * time.Minute)
	return a
}

func TestDetailPaneAndRevoke(t *testing.T) {
	core := newRealCore(t, providertest.MicrosoftOptions{}, nil)
	connectAlice(t, core)
	s, _, _ := newRealShell(t, core)
	w := s.window
	w.win.Resize(fyne.NewSize(860, 640))

	// msmtp gets a token: the pane says who used the account last.
	if _, err := core.svc.TokenFor(context.Background(), "alice@contoso.test", accounts.TokenRequest{Requester: &accounts.Requester{Program: "msmtp"}}); err != nil {
		t.Fatal(err)
	}
	<-s.Reload()
	list, _ := core.List(context.Background())
	a := withFixedTimes(list[0])
	s.state.Accounts = []accounts.Account{a}
	d := s.state.Details[a.ID]
	if d.LastUsedBy != "msmtp" || d.LastUsed.IsZero() {
		t.Errorf("last use = %q at %v, want msmtp", d.LastUsedBy, d.LastUsed)
	}
	d.LastUsed = fixedNow.Add(-3 * time.Minute)
	s.state.Details[a.ID] = d
	s.apply()
	text := visibleText(w.detail)
	for _, want := range []string{"alice@contoso.test", "Alice Tester · Microsoft · connected", "What programs may do",
		"Read your mail", "Send mail", "Connected", "26 hours ago", "Last used", "by msmtp, 3 minutes ago", "Last renewed", "12 minutes ago", "valid for 47 minutes",
		"Add permissions", "Reconnect", "Revoke access…", "Remove from this computer", "Open the provider's permissions page", "Copy access token"} {
		if !strings.Contains(text, want) {
			t.Errorf("detail pane shows %q; want %q", text, want)
		}
	}
	test.AssertRendersToMarkup(t, "accounts_detail.xml", w.win.Canvas())

	test.Tap(w.buttons["Revoke access…"])
	text = visibleText(w.win.Canvas().Overlays().Top())
	for _, want := range []string{"Revoke access for alice@contoso.test?", "Microsoft offers no way for an app to take back its own access",
		"open Microsoft's page", "stays valid at Microsoft"} {
		if !strings.Contains(text, want) {
			t.Errorf("revoke confirmation shows %q; want %q", text, want)
		}
	}
	test.AssertRendersToMarkup(t, "revoke_confirm.xml", w.win.Canvas())

	test.Tap(findButton(t, w.win.Canvas(), "Revoke access"))
	settle(t, s.bg)
	settle(t, s.bg)
	if _, err := core.store.Get(context.Background(), "microsoft:alice@contoso.test/refresh"); err == nil {
		t.Error("the refresh token is still in the keychain after Revoke")
	}
	if text := visibleText(w.win.Canvas().Overlays().Top()); !strings.Contains(text, "To finish, open https://myapps.microsoft.com") {
		t.Errorf("after revoking the window says %q", text)
	}
	if list, _ := core.List(context.Background()); len(list) != 0 {
		t.Errorf("%d accounts left after Revoke", len(list))
	}
}

func TestCopyAccessToken(t *testing.T) {
	core := newRealCore(t, providertest.MicrosoftOptions{}, nil)
	connectAlice(t, core)
	s, _, _ := newRealShell(t, core)
	var clearAfter time.Duration
	var clear func()
	s.after = func(d time.Duration, f func()) { clearAfter, clear = d, f }
	test.Tap(s.window.buttons["Copy access token"])
	if text := visibleText(s.window.win.Canvas().Overlays().Top()); !strings.Contains(text, "clears the clipboard after 30 seconds") {
		t.Errorf("copy warning says %q", text)
	}
	test.Tap(findButton(t, s.window.win.Canvas(), "Copy"))
	settle(t, s.bg)
	tokens := core.ms.IssuedTokens()
	if got := s.app.Clipboard().Content(); got == "" || !slices.Contains(tokens, got) {
		t.Error("the clipboard does not hold the account's access token")
	}
	if !strings.Contains(visibleText(s.window.detail), "The clipboard is cleared in 30 seconds") {
		t.Error("no notice that the clipboard will be cleared")
	}
	// The copy is in the access log, like any token handed out.
	if uses, err := core.svc.AccessLog(context.Background(), "alice@contoso.test", 0); err != nil || len(uses) != 1 || uses[0].Format != "clipboard" {
		t.Errorf("access log after copying = %+v, %v; want one clipboard entry", uses, err)
	}
	if clearAfter != 30*time.Second || clear == nil {
		t.Fatalf("clipboard clearing set for %s", clearAfter)
	}
	clear()
	if got := s.app.Clipboard().Content(); got != "" {
		t.Error("the token is still on the clipboard after 30 seconds")
	}

	// What the person copied since is left alone.
	test.Tap(s.window.buttons["Copy access token"])
	test.Tap(findButton(t, s.window.win.Canvas(), "Copy"))
	settle(t, s.bg)
	s.app.Clipboard().SetContent("a note")
	clear()
	if got := s.app.Clipboard().Content(); got != "a note" {
		t.Errorf("clipboard = %q, want the person's own copy left alone", got)
	}
}

func TestInvalidGrantTurnsTrayToAttentionAndNotifies(t *testing.T) {
	// Tokens that are never fresh enough to hand out: every Token refreshes.
	core := newRealCore(t, providertest.MicrosoftOptions{AccessTTL: time.Minute}, nil)
	connectAlice(t, core)
	s, host, notes := newRealShell(t, core)
	if host.icon != trayIconNormal {
		t.Fatalf("tray icon before = %s", host.icon.Name())
	}
	core.ms.FailNext(providertest.InvalidGrant(50173).Revoking())
	events := make(chan accounts.RenewEvent, 1)
	r := core.svc.NewRenewer(func(ev accounts.RenewEvent) { events <- ev })
	defer r.Stop()
	r.Sync(context.Background())
	ev := <-events
	s.RenewalReported(ev)
	settle(t, s.bg)
	<-notes.calls

	if host.icon != trayIconAttention {
		t.Errorf("tray icon = %s, want attention", host.icon.Name())
	}
	if got := menuLabels(host.menu); !slices.Contains(got, "Reconnect alice@contoso.test…") {
		t.Errorf("tray menu = %q", got)
	}
	note := notes.sent[0]
	for _, want := range []string{"alice@contoso.test needs you to sign in again", "password changed", "Programs using this account stop working"} {
		if !strings.Contains(note, want) {
			t.Errorf("notification %q lacks %q", note, want)
		}
	}
	// One notification per breakage, however often the list reloads.
	<-s.Reload()
	if len(notes.sent) != 1 {
		t.Errorf("%d notifications, want 1", len(notes.sent))
	}
	// Its Reconnect action opens the wizard on the account.
	notes.reconnects[0]()
	settle(t, s.bg)
	if s.wizard.reconnect.ID != "microsoft:alice@contoso.test" || s.wizard.step != stepAllow {
		t.Errorf("Reconnect opened the wizard on %q at step %d", s.wizard.reconnect.ID, s.wizard.step)
	}
	s.wizard.win.Resize(fyne.NewSize(620, 560))
	s.window.win.Resize(fyne.NewSize(860, 640))
	list, _ := core.List(context.Background())
	s.state.Accounts = []accounts.Account{withFixedTimes(list[0])}
	s.apply()
	test.AssertRendersToMarkup(t, "accounts_attention.xml", s.window.win.Canvas())

	// Reconnecting through the wizard makes the account whole again.
	w := s.wizard
	test.Tap(w.next) // what to allow: as before
	test.Tap(w.next) // the registration: as before
	settle(t, w.bg)
	if w.failure != nil {
		t.Fatalf("reconnect failed: %v", w.failure)
	}
	settle(t, s.bg)
	if host.icon != trayIconNormal {
		t.Errorf("tray icon after reconnecting = %s", host.icon.Name())
	}
	if got := menuLabels(host.menu); !slices.Contains(got, "alice@contoso.test — connected") {
		t.Errorf("tray menu after reconnecting = %q", got)
	}
}

func TestTrayMenuModelRealCore(t *testing.T) {
	core := newRealCore(t, providertest.MicrosoftOptions{}, nil)
	connectAlice(t, core)
	s, host, _ := newRealShell(t, core)
	want := []string{"alice@contoso.test — connected", "---", "Connect account…", "Manage accounts…", "---", "Quit"}
	if got := menuLabels(host.menu); !slices.Equal(got, want) {
		t.Errorf("tray menu = %q, want %q", got, want)
	}
	// Choosing the account line opens the window on it.
	for _, it := range host.menu.Items {
		if it.Label == "alice@contoso.test — connected" {
			it.Action()
		}
	}
	if s.window.selected != "microsoft:alice@contoso.test" {
		t.Errorf("selected account = %q", s.window.selected)
	}
}

func TestCountdown(t *testing.T) {
	w := newWizard(test.NewTempApp(t), &fakeLister{}, onFyne(), nil, nil)
	now := fixedNow
	w.now = func() time.Time { return now }
	var next func()
	w.after = func(d time.Duration, f func()) { next = f }
	w.show(stepBrowser)
	w.signIns = 1
	w.cancel = func() {}
	w.tick(fixedNow.Add(signInTimeout))
	if got := w.countdown.Text; !strings.Contains(got, "5:00 left") {
		t.Errorf("countdown = %q", got)
	}
	now = now.Add(61 * time.Second)
	next()
	if got := w.countdown.Text; !strings.Contains(got, "3:59 left") {
		t.Errorf("countdown a minute later = %q", got)
	}
	// A sign-in that ended stops the ticking.
	w.signIns++
	now = now.Add(10 * time.Second)
	next()
	if got := w.countdown.Text; !strings.Contains(got, "3:59 left") {
		t.Errorf("countdown after the sign-in ended = %q, want it left alone", got)
	}
}

// tapProvider ticks the provider step's radio button titled title.
func tapProvider(t *testing.T, w *wizard, title string) {
	t.Helper()
	for _, c := range w.providerChoices {
		if c.Options[0] == title {
			c.SetSelected(title)
			return
		}
	}
	t.Fatalf("no provider %q in the wizard", title)
}

func TestAddPermissionsThroughWizard(t *testing.T) {
	core := newRealCore(t, providertest.MicrosoftOptions{}, nil)
	a := connectAlice(t, core) // read-mail and send-mail
	s, _, _ := newRealShell(t, core)
	test.Tap(s.window.buttons["Add permissions"])
	settle(t, s.bg)
	w := s.wizard
	if w.step != stepAllow || !w.addPermissions || w.reconnect.ID != a.ID {
		t.Fatalf("Add permissions opened step %d for %q (adding: %v)", w.step, w.reconnect.ID, w.addPermissions)
	}
	calendar := -1
	for i, c := range w.caps {
		held := c.ID == "read-mail" || c.ID == "send-mail"
		if held != (w.checks[i].Checked && w.checks[i].Disabled()) {
			t.Errorf("%s: ticked %v, locked %v; want what the account holds ticked and locked", c.ID, w.checks[i].Checked, w.checks[i].Disabled())
		}
		if c.ID == "read-calendar" {
			calendar = i
		}
	}
	if !w.next.Disabled() {
		t.Error("Next is enabled with nothing new ticked")
	}
	w.checks[calendar].SetChecked(true)
	signInFromAllowStep(t, w)
	got := w.result
	if !slices.Contains(got.Capabilities, catalog.CapabilityReadCalendar) || !slices.Contains(got.Capabilities, catalog.CapabilityReadMail) {
		t.Errorf("capabilities after adding = %v, want read-calendar added to what it had", got.Capabilities)
	}
	if !strings.Contains(visibleText(w.win.Content()), "Read your calendar") {
		t.Errorf("result does not show the added permission: %q", visibleText(w.win.Content()))
	}
	settle(t, s.bg) // the reload the new permissions started
}

func TestRevokeGoogleThroughWindow(t *testing.T) {
	core := newRealCore(t, providertest.MicrosoftOptions{}, nil)
	addGoogle(t, core, providertest.GoogleOptions{})
	a, err := core.Connect(context.Background(), ConnectPlan{Provider: "google", Capabilities: []string{"read-mail"}, Timeout: 30 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, _, _ := newRealShell(t, core)
	s.window.selectAccount(a.ID)
	test.Tap(s.window.buttons["Revoke access…"])
	text := visibleText(s.window.win.Canvas().Overlays().Top())
	if !strings.Contains(text, "ask Google to cancel the access you gave it for "+a.Email) {
		t.Errorf("Google's revoke confirmation says %q", text)
	}
	test.Tap(findButton(t, s.window.win.Canvas(), "Revoke access"))
	settle(t, s.bg)
	settle(t, s.bg)
	text = visibleText(s.window.win.Canvas().Overlays().Top())
	for _, want := range []string{"Access revoked", "The provider revoked Latchkey's access", "the provider now refuses the old sign-in"} {
		if !strings.Contains(text, want) {
			t.Errorf("after revoking the window says %q; want %q", text, want)
		}
	}
	if _, err := core.store.Get(context.Background(), a.ID+"/refresh"); err == nil {
		t.Error("the refresh token is still in the keychain")
	}
}

func TestRenewalFailureShownUntilRenewed(t *testing.T) {
	core := newRealCore(t, providertest.MicrosoftOptions{AccessTTL: time.Minute}, nil)
	connectAlice(t, core)
	s, host, notes := newRealShell(t, core)
	for range 10 { // more than the HTTP client's own retries
		core.ms.FailNext(providertest.Status(503))
	}
	events := make(chan accounts.RenewEvent, 4)
	r := core.svc.NewRenewer(func(ev accounts.RenewEvent) { events <- ev })
	defer r.Stop()
	r.Sync(context.Background())
	ev := <-events
	if ev.Err == nil {
		t.Fatal("the renewal succeeded through the faults")
	}
	s.RenewalReported(ev)
	text := visibleText(s.window.detail)
	if !strings.Contains(text, "could not renew the access token; it tries again shortly") {
		t.Errorf("detail pane after a failed renewal: %q", text)
	}
	if host.icon != trayIconNormal || len(notes.sent) != 0 {
		t.Error("a passing failure turned the tray to attention or notified")
	}
	// The next renewal succeeds: the warning goes.
	s.RenewalReported(accounts.RenewEvent{Account: ev.Account, Expiry: time.Now().Add(time.Hour)})
	if text := visibleText(s.window.detail); strings.Contains(text, "could not renew") {
		t.Errorf("the warning stayed after a renewal succeeded: %q", text)
	}
}

func TestWizardGoogleNeedsClientSecret(t *testing.T) {
	core := newRealCore(t, providertest.MicrosoftOptions{}, nil)
	s, _, _ := newRealShell(t, core)
	w := s.wizard
	tapProvider(t, w, "Google (Gmail, Calendar, Contacts)")
	settle(t, w.bg)
	test.Tap(w.next)
	for i, c := range w.caps {
		if w.checks[i].Checked != (c.ID == "read-mail") {
			t.Errorf("Google %s ticked = %v; want only read-mail (least privilege)", c.ID, w.checks[i].Checked)
		}
	}
	test.Tap(w.next)
	if w.step != stepRegistration {
		t.Fatalf("step %d", w.step)
	}
	if !w.next.Disabled() {
		t.Error("Continue is enabled with no client ID")
	}
	text := visibleText(w.win.Content())
	for _, want := range []string{"Client secret", "Desktop app", "Testing"} {
		if !strings.Contains(text, want) {
			t.Errorf("Google's registration step lacks %q: %q", want, text)
		}
	}
	if strings.Contains(text, "Tenant") {
		t.Error("Google's registration step asks for a Microsoft tenant")
	}
	test.Type(w.clientID, "123-abc.apps.googleusercontent.com")
	if !w.next.Disabled() {
		t.Error("Continue is enabled without the client secret Google requires")
	}
	test.Type(w.clientSecret, "GOCSPX-not-really-secret")
	if w.next.Disabled() {
		t.Error("Continue stays disabled with client ID and secret")
	}
}

func TestWizardResultPartialGrant(t *testing.T) {
	core := newRealCore(t, providertest.MicrosoftOptions{}, nil)
	// The person unticks the calendar on Google's consent screen.
	addGoogle(t, core, providertest.GoogleOptions{Grant: func(requested []string) []string {
		var kept []string
		for _, s := range requested {
			if !strings.Contains(s, "calendar") {
				kept = append(kept, s)
			}
		}
		return kept
	}})
	s, _, _ := newRealShell(t, core)
	w := s.wizard
	w.win.Resize(fyne.NewSize(620, 560))
	tapProvider(t, w, "Google (Gmail, Calendar, Contacts)")
	settle(t, w.bg)
	test.Tap(w.next)
	for i, c := range w.caps {
		if c.ID == "read-calendar" {
			w.checks[i].SetChecked(true)
		}
	}
	signInFromAllowStep(t, w)
	text := visibleText(w.win.Content())
	for _, want := range []string{"Connected as bob@gmail.test", "Read your mail", "Asked for but not granted",
		"calendar.readonly", "So these will not work: read your calendar"} {
		if !strings.Contains(text, want) {
			t.Errorf("result shows %q; want %q", text, want)
		}
	}
	settle(t, s.bg)
}

// addGoogle starts a Google emulator and sets it up in core's config.toml,
// as a person would with their own desktop client.
func addGoogle(t *testing.T, core *realCore, opts providertest.GoogleOptions) *providertest.Google {
	t.Helper()
	g := providertest.NewGoogle(t, opts)
	f, err := os.OpenFile(filepath.Join(core.dir, accounts.ConfigFileName), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fmt.Fprintf(f, "[providers.google]\nclient_id = %q\nclient_secret = %q\nauthorize_url = %q\ntoken_url = %q\nrevoke_url = %q\nissuer = %q\n",
		g.ClientID, g.ClientSecret, g.AuthURL, g.TokenURL, g.RevokeURL, g.Issuer)
	return g
}

// signInFromAllowStep goes on from the permissions step through the
// registration (as filled in) to the end of the browser sign-in, which
// must succeed.
func signInFromAllowStep(t *testing.T, w *wizard) {
	t.Helper()
	test.Tap(w.next)
	test.Tap(w.next)
	settle(t, w.bg)
	if w.failure != nil {
		t.Fatalf("sign-in failed: %v", w.failure)
	}
}
