package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"fyne.io/systray"

	"github.com/latchkey/latchkey/accounts"
)

// prelaunchWait is how long a window process started when the tray menu
// opened waits for a request before the tray ends it.
const prelaunchWait = 20 * time.Second

// windowStopWait bounds how long quitting waits for the window process to
// end by itself before killing it.
const windowStopWait = 2 * time.Second

// WindowConn is a running window process (session.Child satisfies it): the
// tray writes it one Message a line.
type WindowConn interface {
	Send(line []byte) error
	// Close asks the process to end (it ends when its input closes) and
	// does not wait.
	Close()
	// Stop asks the process to end, waits up to wait, then kills it.
	Stop(wait time.Duration)
}

// TrayOptions are the tray process's parts.
type TrayOptions struct {
	// Autostart switches starting at login; nil leaves the item out.
	Autostart Autostart
	// Notify sends a desktop notification; reconnect, when not nil, is
	// offered as a "Reconnect" action and runs on any goroutine. Nil has a
	// window process send it through Fyne, without the action (where the
	// OS offers no notification service the tray can use by itself).
	Notify func(title, body string, reconnect func())
	// StartedAtLogin is true when the app was started at login: then it
	// opens no window by itself, not even the wizard with no accounts.
	StartedAtLogin bool
	// Quit ends the app, the window process included; it may run on any
	// goroutine, the tray's own included.
	Quit func()
	// StartWindows starts a window process (the accounts window and the
	// wizard, see WindowProcess). onLine gets each line it writes and
	// onExit runs once it has ended, each on a goroutine of its own.
	StartWindows func(onLine func([]byte), onExit func()) (WindowConn, error)
	// StartPrompt starts a prompt process (ServePrompt), which asks the
	// person about one approval request; like StartWindows. Nil: the app
	// cannot ask, and a request gets that answer.
	StartPrompt func(onLine func([]byte), onExit func()) (WindowConn, error)
	// Log gets what went wrong where no window can say it. Nil discards it.
	Log io.Writer
}

// TrayApp is the part of the desktop app that always runs: the tray icon
// and its menu, notifications and start at login. It holds no Fyne app, no
// window and no GL context; the accounts window and the wizard run in a
// window process it starts on demand and that ends when its last window is
// hidden, giving its memory back.
//
// Its state changes on one goroutine, its event loop: menu clicks,
// account changes, renewal results and the window process's messages all
// go through it.
type TrayApp struct {
	core   AccountLister
	opts   TrayOptions
	tray   *tray
	events chan func()
	start  sync.Once
	// after runs f once after d on another goroutine (tests replace it).
	after func(d time.Duration, f func())

	// Touched only on the event loop.
	state         State
	signingIn     bool
	startAtLogin  bool
	notified      brokenNotices
	renewFailures map[string]string
	prompted      bool
	loads         int
	// bg runs the core's slow calls off the event loop.
	bg *background

	// mu guards the window process, which quitting stops from any goroutine.
	mu      sync.Mutex
	win     WindowConn // nil when none runs
	sent    int        // requests that open a window sent to win
	stopped bool       // quitting: start no more
}

// NewTrayApp returns the tray process's front end on the system tray
// (fyne.io/systray). Start it with Run.
func NewTrayApp(core AccountLister, opts TrayOptions) *TrayApp {
	return newTrayApp(core, &systemTray{}, opts)
}

func newTrayApp(core AccountLister, host trayHost, opts TrayOptions) *TrayApp {
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	t := &TrayApp{core: core, opts: opts, tray: newTray(host), events: make(chan func(), 64),
		state: State{Loading: true}, notified: brokenNotices{}, renewFailures: map[string]string{},
		after: func(d time.Duration, f func()) { time.AfterFunc(d, f) }}
	t.bg = newBackground(t.post)
	if opts.Autostart != nil {
		t.startAtLogin, _ = opts.Autostart.Enabled()
	}
	return t
}

// Run shows the tray and blocks for as long as the app runs; call it on
// the main goroutine. The app ends through TrayOptions.Quit.
func (t *TrayApp) Run() {
	// A left click on the icon (where the host supports it) opens the window.
	systray.SetOnTapped(t.Activate)
	go func() {
		for range systray.TrayOpenedCh {
			t.MenuOpened()
		}
	}()
	systray.Run(t.Start, nil)
}

// MenuOpened starts a window process, if none runs, as the person opens the
// tray menu: it readies itself (the toolkit, the accounts, the widgets)
// while the person moves to an item, so that a window opens sooner. If no
// request comes within prelaunchWait, the tray ends it. It may be called
// from any goroutine.
func (t *TrayApp) MenuOpened() {
	t.post(func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.win != nil || !t.startWindowLocked() {
			return
		}
		win := t.win
		t.after(prelaunchWait, func() {
			t.post(func() {
				t.mu.Lock()
				unused := t.win == win && t.sent == 0
				if unused {
					t.win = nil
				}
				t.mu.Unlock()
				if unused {
					win.Close()
				}
			})
		})
	})
}

// Start starts the event loop, shows the tray and loads the accounts; it
// opens the accounts window unless the app started at login. Run calls it.
func (t *TrayApp) Start() {
	t.start.Do(func() {
		go func() {
			for f := range t.events {
				f()
			}
		}()
		t.post(func() {
			t.applyTray()
			t.Reload()
			if !t.opts.StartedAtLogin {
				t.send(Message{Kind: kindShow}, true)
			}
		})
	})
}

// post runs f on the event loop. Never call it on the loop itself.
func (t *TrayApp) post(f func()) { t.events <- f }

// Activate opens the accounts window: a second launch of the app, or a
// click on the tray icon. It may be called from any goroutine.
func (t *TrayApp) Activate() {
	t.post(func() { t.send(Message{Kind: kindShow}, true) })
}

// AccountsChanged loads the accounts again, here and in an open window. It
// may be called from any goroutine: the file watcher calls it.
func (t *TrayApp) AccountsChanged() {
	t.post(func() {
		t.Reload()
		t.send(Message{Kind: kindReload}, false)
	})
}

// RenewalReported takes a background renewal's result, from any goroutine
// (the Renewer calls it). One that found the account needs reconnecting
// reloads the list, which turns the tray to attention and notifies; one
// that failed for a passing reason is shown in the account's details
// until one succeeds.
func (t *TrayApp) RenewalReported(ev accounts.RenewEvent) {
	t.post(func() {
		text := ""
		switch {
		case ev.Err == nil:
			delete(t.renewFailures, ev.Account)
		case errors.Is(ev.Err, accounts.ErrNeedsReconnect):
			delete(t.renewFailures, ev.Account)
			t.Reload()
		default:
			text = renewFailure(ev.Err)
			t.renewFailures[ev.Account] = text
		}
		t.send(Message{Kind: kindRenew, Account: ev.Account, Text: text}, false)
	})
}

// Reload lists the accounts again in a goroutine; the returned channel is
// closed once the tray shows the result. Call it on the event loop.
func (t *TrayApp) Reload() <-chan struct{} {
	t.loads++
	load := t.loads
	t.state.Loading = true
	t.applyTray()
	done := make(chan struct{})
	var (
		list []accounts.Account
		err  error
	)
	t.bg.run(func() {
		ctx, cancel := context.WithTimeout(context.Background(), listTimeout)
		defer cancel()
		list, err = t.core.List(ctx)
	}, func() {
		defer close(done)
		if load != t.loads {
			return // a newer load is under way
		}
		if err != nil {
			t.state = State{Accounts: t.state.Accounts, Err: err}
		} else {
			t.state = State{Accounts: list}
		}
		t.applyTray()
		t.announceBroken()
		if !t.prompted && err == nil {
			t.prompted = true
			if !t.opts.StartedAtLogin && len(list) == 0 {
				// First start: nothing to manage yet, so offer to connect.
				t.send(Message{Kind: kindConnect}, true)
			}
		}
	})
	return done
}

// announceBroken notifies once about each account that newly needs
// reconnecting, with a Reconnect action.
func (t *TrayApp) announceBroken() {
	for _, a := range t.notified.fresh(t.state.Accounts) {
		id := a.ID
		title, body := reconnectNotice(a)
		if t.opts.Notify == nil {
			t.notify(title, body+" Choose it in Latchkey's menu to reconnect.")
			continue
		}
		go t.opts.Notify(title, body, func() {
			t.post(func() { t.send(Message{Kind: kindReconnect, Account: id}, true) })
		})
	}
}

// notify sends a notification without actions. Call it on the event loop.
func (t *TrayApp) notify(title, body string) {
	if t.opts.Notify != nil {
		go t.opts.Notify(title, body, nil)
		return
	}
	t.send(Message{Kind: kindNotify, Title: title, Text: body}, true)
}

func (t *TrayApp) applyTray() {
	t.tray.set(TrayState{
		State: t.state, SigningIn: t.signingIn,
		HasAutostart: t.opts.Autostart != nil, StartAtLogin: t.startAtLogin,
		OnAccount: func(a accounts.Account) {
			m := Message{Kind: kindShow, Account: a.ID}
			if a.Status == accounts.StatusNeedsReconnect {
				m.Kind = kindReconnect
			}
			t.post(func() { t.send(m, true) })
		},
		OnConnect:      func() { t.post(func() { t.send(Message{Kind: kindConnect}, true) }) },
		OnManage:       t.Activate,
		OnStartAtLogin: func(on bool) { t.post(func() { t.setStartAtLogin(on) }) },
		OnQuit:         t.opts.Quit,
	})
}

// setStartAtLogin switches starting at login in a goroutine and shows the
// outcome. Call it on the event loop.
func (t *TrayApp) setStartAtLogin(on bool) {
	var (
		enabled bool
		err     error
	)
	t.bg.run(func() { enabled, err = switchAutostart(t.opts.Autostart, on) }, func() {
		t.startAtLogin = enabled
		t.applyTray()
		if err != nil {
			t.notify("Latchkey could not change starting at login", plainError(err))
		}
	})
}

// send sends m to the window process, starting one first if none runs and
// start is set (a request that shows a window); otherwise a message for a
// window that is not there is dropped. Call it on the event loop.
func (t *TrayApp) send(m Message, start bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	if t.win == nil && (!start || !t.startWindowLocked()) {
		return
	}
	t.sendLocked(m)
}

// startWindowLocked starts a window process and reports whether it did.
// Call it on the event loop with t.mu held.
func (t *TrayApp) startWindowLocked() bool {
	if t.stopped {
		return false
	}
	var win WindowConn
	win, err := t.opts.StartWindows(
		func(line []byte) {
			if msg, err := decodeMessage(line); err == nil {
				t.post(func() { t.received(win, msg) })
			}
		},
		func() { t.post(func() { t.ended(win) }) })
	if err != nil {
		fmt.Fprintf(t.opts.Log, "latchkey-tray: open the window: %v\n", err)
		return false
	}
	t.win, t.sent = win, 0
	// A new process learns what the background renewals found.
	for id, text := range t.renewFailures {
		t.sendLocked(Message{Kind: kindRenew, Account: id, Text: text})
	}
	return true
}

func (t *TrayApp) sendLocked(m Message) {
	if err := t.win.Send(m.encode()); err != nil {
		fmt.Fprintf(t.opts.Log, "latchkey-tray: %v\n", err)
		return
	}
	if m.opensWindow() {
		t.sent++
	}
}

// received handles a message of the window process win. Call it on the
// event loop.
func (t *TrayApp) received(win WindowConn, m Message) {
	t.mu.Lock()
	current := win == t.win
	closeIt := current && m.Kind == kindHidden && m.Seq == t.sent
	if closeIt {
		// Its last window is hidden and no request is on its way to it:
		// let it end and give its memory back.
		t.win = nil
	}
	t.mu.Unlock()
	if !current {
		return
	}
	switch m.Kind {
	case kindSigningIn:
		t.setSigningIn(m.On)
	case kindHidden:
		if closeIt {
			win.Close()
			t.setSigningIn(false)
		}
	case kindQuit:
		t.opts.Quit()
	}
}

// ended forgets the window process win once it has ended, whether it was
// asked to or crashed: the tray goes on, and the next request starts
// another. Call it on the event loop.
func (t *TrayApp) ended(win WindowConn) {
	t.mu.Lock()
	current := win == t.win
	if current {
		t.win = nil
	}
	t.mu.Unlock()
	if current {
		t.setSigningIn(false)
	}
}

func (t *TrayApp) setSigningIn(on bool) {
	if t.signingIn != on {
		t.signingIn = on
		t.applyTray()
	}
}

// StopWindows ends the window process, if one runs, and starts no other:
// quitting calls it. It may be called from any goroutine and does not need
// the event loop.
func (t *TrayApp) StopWindows() {
	t.mu.Lock()
	win := t.win
	t.win, t.stopped = nil, true
	t.mu.Unlock()
	if win != nil {
		win.Stop(windowStopWait)
	}
}
