package ui

import (
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/latchkey/latchkey/accounts"
)

// fakeWindows starts fake window processes and records what the tray
// sends each.
type fakeWindows struct {
	mu    sync.Mutex
	procs []*fakeWindow
}

type fakeWindow struct {
	mu      sync.Mutex
	got     []Message
	closed  bool
	stopped bool
	onLine  func([]byte)
	onExit  func()
}

func (f *fakeWindows) start(onLine func([]byte), onExit func()) (WindowConn, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := &fakeWindow{onLine: onLine, onExit: onExit}
	f.procs = append(f.procs, w)
	return w, nil
}

func (f *fakeWindows) started() []*fakeWindow {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*fakeWindow(nil), f.procs...)
}

func (w *fakeWindow) Send(line []byte) error {
	m, err := decodeMessage(line)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return errors.New("closed")
	}
	w.got = append(w.got, m)
	return nil
}

func (w *fakeWindow) Close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
}

func (w *fakeWindow) Stop(time.Duration) {
	w.Close()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
}

func (w *fakeWindow) messages() []Message {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Message(nil), w.got...)
}

func (w *fakeWindow) isClosed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closed
}

// tell makes the fake process write m to the tray.
func (w *fakeWindow) tell(m Message) { w.onLine(m.encode()) }

// sync waits until the tray's event loop handled everything posted so far.
func (t *TrayApp) sync() { t.onLoop(func() {}) }

// newTestTray starts a TrayApp on a fake tray and fake window processes
// and waits for its first load.
func newTestTray(t *testing.T, list []accounts.Account, opts TrayOptions) (*TrayApp, *fakeTray, *fakeWindows) {
	t.Helper()
	host := &fakeTray{}
	wins := &fakeWindows{}
	opts.StartWindows = wins.start
	if opts.Quit == nil {
		opts.Quit = func() {}
	}
	ta := newTrayApp(&fakeLister{accounts: list}, host, opts)
	ta.Start()
	ta.sync()
	settle(t, ta.bg)
	ta.sync()
	return ta, host, wins
}

// trayItem is the item labelled label in the tray menu, read on the event
// loop (which rebuilds the menu).
func trayItem(t *testing.T, ta *TrayApp, host *fakeTray, label string) *fyne.MenuItem {
	t.Helper()
	var found *fyne.MenuItem
	var labels []string
	ta.onLoop(func() {
		labels = menuLabels(host.menu)
		for _, it := range host.menu.Items {
			if it.Label == label {
				found = it
			}
		}
	})
	if found == nil {
		t.Fatalf("no %q in the tray menu %q", label, labels)
	}
	return found
}

// trayIcon is the icon in the tray, read on the event loop.
func trayIcon(ta *TrayApp, host *fakeTray) (icon fyne.Resource) {
	ta.onLoop(func() { icon = host.icon })
	return icon
}

// onLoop runs f on the event loop and waits for it.
func (t *TrayApp) onLoop(f func()) {
	done := make(chan struct{})
	t.post(func() {
		f()
		close(done)
	})
	<-done
}

func kinds(ms []Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Kind+" "+m.Account)
	}
	return out
}

func TestTrayAppMenuOpensWindows(t *testing.T) {
	ta, host, wins := newTestTray(t, []accounts.Account{alice, bob}, TrayOptions{})
	want := []string{"alice@contoso.com — connected", "Reconnect bob@example.com…", "---", "Connect account…", "Manage accounts…", "---", "Quit"}
	if got := menuLabels(host.menu); !reflect.DeepEqual(got, want) {
		t.Errorf("tray menu %q, want %q", got, want)
	}
	if trayIcon(ta, host) != trayIconAttention {
		t.Errorf("tray icon %s, want attention (bob needs reconnecting)", host.icon.Name())
	}
	// Not started at login: the window opened at once, in one process.
	trayItem(t, ta, host, "alice@contoso.com — connected").Action()
	trayItem(t, ta, host, "Reconnect bob@example.com…").Action()
	trayItem(t, ta, host, "Connect account…").Action()
	trayItem(t, ta, host, "Manage accounts…").Action()
	ta.sync()
	procs := wins.started()
	if len(procs) != 1 {
		t.Fatalf("%d window processes started, want 1", len(procs))
	}
	got := kinds(procs[0].messages())
	// Without a notification service of its own, the tray has the window
	// process announce that bob needs reconnecting.
	want = []string{"show ", "notify ", "show " + alice.ID, "reconnect " + bob.ID, "connect ", "show "}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("window process got %q, want %q", got, want)
	}
}

func TestTrayAppStartedAtLoginOpensNothing(t *testing.T) {
	_, _, wins := newTestTray(t, nil, TrayOptions{StartedAtLogin: true})
	if n := len(wins.started()); n != 0 {
		t.Errorf("started at login with no accounts, %d window processes started; want none", n)
	}
}

func TestTrayAppFirstStartOffersTheWizard(t *testing.T) {
	_, _, wins := newTestTray(t, nil, TrayOptions{})
	procs := wins.started()
	if len(procs) != 1 {
		t.Fatalf("%d window processes, want 1", len(procs))
	}
	if got, want := kinds(procs[0].messages()), []string{"show ", "connect "}; !reflect.DeepEqual(got, want) {
		t.Errorf("window process got %q, want %q", got, want)
	}
}

// The window process ends once its last window is hidden, unless a request
// crossed its report; the next request starts another.
func TestTrayAppEndsHiddenWindowProcess(t *testing.T) {
	ta, host, wins := newTestTray(t, []accounts.Account{alice}, TrayOptions{StartedAtLogin: true})
	manage := trayItem(t, ta, host, "Manage accounts…")
	manage.Action()
	manage.Action()
	ta.sync()
	first := wins.started()[0]
	// Hidden after handling one request: the second is on its way.
	first.tell(Message{Kind: kindHidden, Seq: 1})
	ta.sync()
	if first.isClosed() {
		t.Fatal("the window process was ended although a request was on its way to it")
	}
	first.tell(Message{Kind: kindHidden, Seq: 2})
	ta.sync()
	if !first.isClosed() {
		t.Fatal("the window process was not ended once its last window was hidden")
	}
	manage.Action()
	ta.sync()
	if procs := wins.started(); len(procs) != 2 || kinds(procs[1].messages())[0] != "show " {
		t.Errorf("after the window process ended, Manage accounts started %d processes", len(procs))
	}
}

// A window process that crashes leaves the tray running; what it said
// about a sign-in is forgotten, and the next request starts another.
func TestTrayAppSurvivesWindowCrash(t *testing.T) {
	ta, host, wins := newTestTray(t, []accounts.Account{alice}, TrayOptions{StartedAtLogin: true})
	trayItem(t, ta, host, "Connect account…").Action()
	ta.sync()
	w := wins.started()[0]
	w.tell(Message{Kind: kindSigningIn, On: true})
	ta.sync()
	if trayIcon(ta, host) != trayIconBusy || trayItem(t, ta, host, "Signing in…") == nil {
		t.Fatalf("signing in: icon %s, menu %q", host.icon.Name(), menuLabels(host.menu))
	}
	w.onExit() // it crashed
	ta.sync()
	if trayIcon(ta, host) != trayIconNormal {
		t.Errorf("after the window process crashed the icon is %s, want normal", host.icon.Name())
	}
	trayItem(t, ta, host, "Manage accounts…").Action()
	ta.sync()
	if n := len(wins.started()); n != 2 {
		t.Errorf("%d window processes after the crash and a click, want 2", n)
	}
}

func TestTrayAppQuit(t *testing.T) {
	quits := make(chan struct{}, 2)
	ta, host, wins := newTestTray(t, []accounts.Account{alice}, TrayOptions{Quit: func() { quits <- struct{}{} }})
	// Ctrl+Q in the window quits the app.
	wins.started()[0].tell(Message{Kind: kindQuit})
	ta.sync()
	trayItem(t, ta, host, "Quit").Action()
	if len(quits) != 2 {
		t.Fatalf("Quit ran %d times, want 2 (Ctrl+Q in the window, the Quit item)", len(quits))
	}
	// Quitting ends the window process and starts no other.
	ta.StopWindows()
	if w := wins.started()[0]; !w.stopped {
		t.Error("StopWindows did not stop the window process")
	}
	trayItem(t, ta, host, "Manage accounts…").Action()
	ta.sync()
	if n := len(wins.started()); n != 1 {
		t.Errorf("a window process started after quitting (%d in all)", n)
	}
}

// Each account that newly needs reconnecting is notified once, with a
// Reconnect action that opens the wizard on it.
func TestTrayAppNotifiesAndReconnects(t *testing.T) {
	type note struct {
		title     string
		reconnect func()
	}
	notes := make(chan note, 4)
	ta, _, wins := newTestTray(t, []accounts.Account{alice, bob}, TrayOptions{StartedAtLogin: true,
		Notify: func(title, body string, reconnect func()) { notes <- note{title, reconnect} }})
	var n note
	select {
	case n = <-notes:
	case <-time.After(5 * time.Second):
		t.Fatal("no notification about bob")
	}
	if n.title != "bob@example.com needs you to sign in again" || n.reconnect == nil {
		t.Fatalf("notification %q (reconnect %v)", n.title, n.reconnect != nil)
	}
	ta.post(func() { ta.Reload() })
	ta.sync()
	n.reconnect()
	ta.sync()
	if got := kinds(wins.started()[0].messages()); !reflect.DeepEqual(got, []string{"reconnect " + bob.ID}) {
		t.Errorf("Reconnect sent %q", got)
	}
	select {
	case again := <-notes:
		t.Errorf("notified again: %q", again.title)
	default:
	}
}

// Renewal failures reach an open window, and a window opened later.
func TestTrayAppForwardsRenewals(t *testing.T) {
	ta, host, wins := newTestTray(t, []accounts.Account{alice}, TrayOptions{StartedAtLogin: true})
	ta.RenewalReported(accounts.RenewEvent{Account: alice.ID, Err: errors.New("network down")})
	ta.sync()
	if n := len(wins.started()); n != 0 {
		t.Fatalf("a renewal started a window process")
	}
	trayItem(t, ta, host, "Manage accounts…").Action()
	ta.sync()
	got := wins.started()[0].messages()
	if len(got) != 2 || got[0].Kind != kindRenew || got[0].Account != alice.ID || got[0].Text == "" || got[1].Kind != kindShow {
		t.Fatalf("new window process got %+v, want the renewal failure then show", got)
	}
	ta.RenewalReported(accounts.RenewEvent{Account: alice.ID})
	ta.AccountsChanged()
	ta.sync()
	got = wins.started()[0].messages()[2:]
	if len(got) != 2 || got[0].Kind != kindRenew || got[0].Text != "" || got[1].Kind != kindReload {
		t.Errorf("open window got %+v, want the renewal success then reload", got)
	}
}

// Opening the tray menu readies a window process; the click uses it, and
// one left unused is ended.
func TestTrayAppMenuOpenedPrelaunches(t *testing.T) {
	ta, host, wins := newTestTray(t, []accounts.Account{alice}, TrayOptions{StartedAtLogin: true})
	var timers []func()
	ta.post(func() { ta.after = func(_ time.Duration, f func()) { timers = append(timers, f) } })
	ta.MenuOpened()
	ta.sync()
	if n := len(wins.started()); n != 1 {
		t.Fatalf("opening the menu started %d window processes, want 1", n)
	}
	trayItem(t, ta, host, "Manage accounts…").Action()
	ta.sync()
	timers[0]()
	ta.sync()
	w := wins.started()[0]
	if len(wins.started()) != 1 || w.isClosed() || kinds(w.messages())[0] != "show " {
		t.Fatalf("the click did not use the readied process (%d processes)", len(wins.started()))
	}
	// Hidden again, then the menu opens and nothing is chosen.
	w.tell(Message{Kind: kindHidden, Seq: 1})
	ta.MenuOpened()
	ta.sync()
	unused := wins.started()[1]
	timers[1]()
	ta.sync()
	if !unused.isClosed() {
		t.Error("a window process readied for nothing was not ended")
	}
}

func TestTrayAppStartAtLogin(t *testing.T) {
	auto := &fakeAutostart{}
	ta, host, _ := newTestTray(t, nil, TrayOptions{StartedAtLogin: true, Autostart: auto})
	trayItem(t, ta, host, "Start at login").Action()
	deadline := time.Now().Add(5 * time.Second)
	for !trayItem(t, ta, host, "Start at login").Checked && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !auto.on || !trayItem(t, ta, host, "Start at login").Checked {
		t.Errorf("after choosing Start at login: on %v, checked %v", auto.on, trayItem(t, ta, host, "Start at login").Checked)
	}
}
