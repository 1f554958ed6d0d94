package ui

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/safetext"
)

// listTimeout bounds one load of the account list.
const listTimeout = 30 * time.Second

// actionTimeout bounds remove, revoke and token requests from the window.
const actionTimeout = 2 * time.Minute

// clipboardClear is how long a copied access token stays on the clipboard.
const clipboardClear = 30 * time.Second

// Autostart is the start-at-login switch (session.Autostart satisfies it).
type Autostart interface {
	Enabled() (bool, error)
	Set(on bool) error
}

// Options are the optional parts of the Shell.
type Options struct {
	// Autostart switches starting at login; nil leaves the item out.
	Autostart Autostart
	// Notify sends a desktop notification. reconnect, when not nil, is
	// offered as a "Reconnect" action and runs on any goroutine. Nil uses
	// the app's own notifications, without actions.
	Notify func(title, body string, reconnect func())
	// StartedAtLogin is true when the app was started at login, into the
	// tray: then it does not open the wizard by itself, even with no
	// accounts, so as not to greet every login with a window.
	StartedAtLogin bool
	// Quit ends the app, for the tray's Quit item and the Q shortcut; it
	// runs on the UI goroutine. Nil uses fyne.App.Quit, whose shutdown
	// can hang (see session.Quit).
	Quit func()
	// Now is the clock for "3 minutes ago" and the sign-in countdown, and
	// its Location is the zone times are shown in. Nil uses time.Now.
	Now func() time.Time
	// SigningIn, when not nil, runs on the UI goroutine each time a
	// browser sign-in starts or ends, with whether one is under way (the
	// window process tells the tray process).
	SigningIn func(on bool)
}

// Shell is the desktop front end: the tray, the accounts window and the
// connect wizard over one State. State changes only on the UI goroutine;
// work runs in goroutines and hands results back with fyne.Do.
type Shell struct {
	app    fyne.App
	core   AccountService
	opts   Options
	window *accountsWindow
	wizard *wizard
	tray   *tray // nil where the desktop has no tray

	state        State
	startAtLogin bool
	// renewFailures says, by account ID, why the last background renewal
	// failed, while it keeps failing for a passing reason.
	renewFailures map[string]string
	// notified holds the accounts already notified as needing reconnect.
	notified brokenNotices
	// prompted is set once the first load offered the wizard.
	prompted bool
	// loads counts loads started, so a slow load finishing after a newer
	// one does not overwrite it.
	loads int
	// after runs f once after d on another goroutine (tests run it at once).
	after func(d time.Duration, f func())
	// bg runs the core's slow calls off the UI goroutine, for the window
	// and the wizard too.
	bg *background
}

// NewShell builds the front end on a. It adds a tray when a is a
// desktop.App; then the app lives in the tray, and closing a window or
// pressing Escape hides it. Call it on the UI goroutine (or before a.Run),
// then Reload.
func NewShell(a fyne.App, core AccountService, opts Options) *Shell {
	var host trayHost
	if d, ok := a.(desktop.App); ok {
		host = d
	}
	s := newShell(a, core, host, opts)
	if d, ok := a.(desktop.App); ok {
		// A left click on the tray icon shows the window.
		d.SetSystemTrayWindow(s.window.win)
		// SetSystemTrayWindow set its own close intercept; keep ours.
		s.window.hideOnCloseAndEscape()
	}
	return s
}

func newShell(a fyne.App, core AccountService, host trayHost, opts Options) *Shell {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Shell{app: a, core: core, opts: opts, state: State{Loading: true}, notified: brokenNotices{}, renewFailures: map[string]string{},
		after: func(d time.Duration, f func()) { time.AfterFunc(d, f) }, bg: onFyne()}
	s.window = newAccountsWindow(a, func() { s.Reload() }, s.Connect, s.details, accountActions{
		AddPermissions: func(acc accounts.Account) { s.reconnect(acc, true) },
		Reconnect:      func(acc accounts.Account) { s.reconnect(acc, false) },
		Revoke:         s.revoke,
		Remove:         s.remove,
		OpenPage: func(acc accounts.Account) {
			if page := s.details(acc).PermissionsPage; page != "" {
				go openURLIn(a, page)
			}
		},
		CopyToken:     s.copyToken,
		SetApproval:   s.setApproval,
		ForgetProgram: s.forgetProgram,
	})
	s.window.now = opts.Now
	s.wizard = newWizard(a, core, s.bg, func(acc accounts.Account) {
		s.window.selected = acc.ID
		s.Reload()
	}, s.Show)
	s.wizard.onSigningIn = func() {
		s.applyTray()
		if opts.SigningIn != nil {
			opts.SigningIn(s.wizard.signingIn())
		}
	}
	s.wizard.now = opts.Now
	s.window.addShortcuts(s.Connect, func() { s.Reload() }, s.quit)
	if host != nil {
		s.tray = newTray(host)
		s.window.hideOnCloseAndEscape()
	}
	if opts.Autostart != nil {
		s.startAtLogin, _ = opts.Autostart.Enabled()
	}
	s.apply()
	return s
}

// quit ends the app through Options.Quit, or Fyne's Quit without one.
func (s *Shell) quit() {
	if s.opts.Quit != nil {
		s.opts.Quit()
		return
	}
	s.app.Quit()
}

// details explains a's permissions, from the last load, with the last
// background renewal's failure if it failed.
func (s *Shell) details(a accounts.Account) Details {
	d := s.state.Details[a.ID]
	d.RevokePlan = revokePlan(a)
	d.RenewFailure = s.renewFailures[a.ID]
	return d
}

// Show shows the accounts window and brings it to the front.
func (s *Shell) Show() {
	s.window.win.Show()
	s.window.win.RequestFocus()
}

// ShowAccount shows the accounts window on the account with id.
func (s *Shell) ShowAccount(id string) {
	s.window.selectAccount(id)
	s.Show()
}

// Connect opens the connect wizard.
func (s *Shell) Connect() {
	s.wizard.start(s.core.Providers())
}

// reconnect opens the wizard to sign in again to acc, or to add
// permissions to it, with its registration and permissions filled in.
func (s *Shell) reconnect(acc accounts.Account, addPermissions bool) {
	var (
		caps      []Capability
		reg       Registration
		providers []ProviderInfo
	)
	s.bg.run(func() {
		caps = s.core.Capabilities(acc.Provider)
		reg, _ = s.core.Registration(acc.Provider)
		providers = s.core.Providers()
	}, func() {
		s.wizard.startFor(providers, acc, caps, reg, addPermissions)
	})
}

// AccountsChanged reloads the accounts. It may be called from any
// goroutine: the core's file watcher calls it.
func (s *Shell) AccountsChanged() {
	fyne.Do(func() { s.Reload() })
}

// RenewalReported takes a background renewal's result. It may be called
// from any goroutine: the core's Renewer calls it. A renewal that found the
// account needs reconnecting reloads the list, which turns the tray to
// "attention" and sends the notification.
//
// A renewal that failed for a passing reason (network, keychain) is shown
// in the account's detail pane until one succeeds; the Renewer retries it.
func (s *Shell) RenewalReported(ev accounts.RenewEvent) {
	fyne.Do(func() {
		switch {
		case ev.Err == nil:
			delete(s.renewFailures, ev.Account)
		case errors.Is(ev.Err, accounts.ErrNeedsReconnect):
			delete(s.renewFailures, ev.Account)
			s.Reload()
			return
		default:
			s.renewFailures[ev.Account] = renewFailure(ev.Err)
		}
		if s.window.selected == ev.Account {
			s.window.showDetail()
		}
	})
}

// renewFailure is what the detail pane says about a background renewal
// that failed for a passing reason.
func renewFailure(err error) string {
	return "Latchkey could not renew the access token; it tries again shortly. " + plainError(err)
}

// setRenewFailure shows why the last background renewal of the account
// with id failed, or that it succeeded (text ""), as the tray process
// reports it. Call it on the UI goroutine.
func (s *Shell) setRenewFailure(id, text string) {
	if text == "" {
		delete(s.renewFailures, id)
	} else {
		s.renewFailures[id] = text
	}
	if s.window.selected == id {
		s.window.showDetail()
	}
}

// Reload lists the accounts again in a goroutine. The returned channel is
// closed once the result is on screen; tests wait on it, main ignores it.
// Call it on the UI goroutine (or before a.Run).
func (s *Shell) Reload() <-chan struct{} {
	s.loads++
	load := s.loads
	s.state.Loading = true
	s.apply()

	done := make(chan struct{})
	var (
		list    []accounts.Account
		err     error
		details = map[string]Details{}
	)
	s.bg.run(func() {
		ctx, cancel := context.WithTimeout(context.Background(), listTimeout)
		defer cancel()
		list, err = s.core.List(ctx)
		for _, a := range list {
			// Index reads only; an account removed meanwhile just has none.
			if d, err := s.core.Details(ctx, a.ID); err == nil {
				details[a.ID] = d
			}
		}
	}, func() {
		defer close(done)
		if load != s.loads {
			return // a newer load is under way and will update the state
		}
		if err != nil {
			// Keep the accounts already shown: they are still what
			// Latchkey last knew.
			s.state = State{Accounts: s.state.Accounts, Details: s.state.Details, Err: err}
		} else {
			s.state = State{Accounts: list, Details: details}
		}
		s.apply()
		s.announceBroken()
		if !s.prompted && err == nil {
			s.prompted = true
			if s.opts.StartedAtLogin {
				return
			}
			if len(list) == 0 {
				// First start: nothing to manage yet, so offer to connect.
				s.Connect()
			}
		}
	})
	return done
}

// announceBroken notifies once about each account that newly needs
// reconnecting: which account, why in plain words, and a Reconnect action.
func (s *Shell) announceBroken() {
	for _, a := range s.notified.fresh(s.state.Accounts) {
		a := a
		title, body := reconnectNotice(a)
		reconnect := func() { fyne.Do(func() { s.reconnect(a, false) }) }
		if s.opts.Notify != nil {
			go s.opts.Notify(title, body, reconnect)
		} else {
			s.sendNotification(title, body+" Choose it in Latchkey's menu to reconnect.")
		}
	}
}

// brokenNotices holds the accounts already announced as needing
// reconnecting, so each is announced once per breakage.
type brokenNotices map[string]bool

// fresh returns the accounts of list that newly need reconnecting, and
// forgets the ones fixed since, so they are announced again if they break
// again.
func (n brokenNotices) fresh(list []accounts.Account) []accounts.Account {
	var out []accounts.Account
	seen := map[string]bool{}
	for _, a := range list {
		if a.Status != accounts.StatusNeedsReconnect {
			continue
		}
		seen[a.ID] = true
		if !n[a.ID] {
			n[a.ID] = true
			out = append(out, a)
		}
	}
	for id := range n {
		if !seen[id] {
			delete(n, id)
		}
	}
	return out
}

// sendNotification sends a notification through the app, off the UI
// goroutine: on Linux it is a blocking D-Bus call (and an icon file write).
func (s *Shell) sendNotification(title, body string) {
	go s.app.SendNotification(fyne.NewNotification(title, body))
}

// reconnectNotice is the notification about an account that must be
// reconnected.
func reconnectNotice(a accounts.Account) (title, body string) {
	title = accountAddress(a) + " needs you to sign in again"
	body = signInCompany(a.Provider) + " no longer accepts Latchkey's saved sign-in"
	if a.StatusReason != "" {
		body += ": " + safetext.Line(a.StatusReason)
	}
	return title, body + ". Programs using this account stop working until you reconnect it."
}

// apply shows s.state in the window and the tray.
func (s *Shell) apply() {
	s.window.show(s.state)
	s.applyTray()
}

func (s *Shell) applyTray() {
	if s.tray == nil {
		return
	}
	s.tray.set(s.trayState())
}

func (s *Shell) trayState() TrayState {
	return TrayState{
		State: s.state, SigningIn: s.wizard.signingIn(),
		HasAutostart: s.opts.Autostart != nil, StartAtLogin: s.startAtLogin,
		OnAccount: func(a accounts.Account) {
			if a.Status == accounts.StatusNeedsReconnect {
				s.reconnect(a, false)
				return
			}
			s.ShowAccount(a.ID)
		},
		OnConnect:      s.Connect,
		OnManage:       s.Show,
		OnStartAtLogin: s.setStartAtLogin,
		OnQuit:         s.quit,
	}
}

// setStartAtLogin switches starting at login in a goroutine (it writes a
// file or the registry) and shows the outcome in the tray.
func (s *Shell) setStartAtLogin(on bool) {
	var enabled bool
	s.runAction(func(context.Context) (err error) {
		enabled, err = switchAutostart(s.opts.Autostart, on)
		return err
	}, func(err error) {
		s.startAtLogin = enabled
		s.applyTray()
		if err != nil {
			s.sendNotification("Latchkey could not change starting at login", plainError(err))
		}
	})
}

// switchAutostart switches starting at login and reads back whether it is
// on. It writes a file or the registry: call it off the UI goroutine.
func switchAutostart(a Autostart, on bool) (enabled bool, err error) {
	err = a.Set(on)
	enabled, _ = a.Enabled()
	return enabled, err
}

// runAction runs work in a goroutine and then done on the UI goroutine.
func (s *Shell) runAction(work func(ctx context.Context) error, done func(err error)) {
	var err error
	s.bg.run(func() {
		ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
		defer cancel()
		err = work(ctx)
	}, func() { done(err) })
}

func (s *Shell) revoke(a accounts.Account) {
	s.window.confirmRevoke(a, s.details(a).RevokePlan, func() {
		var out RevokeOutcome
		s.runAction(func(ctx context.Context) (err error) {
			out, err = s.core.Revoke(ctx, a.ID)
			return err
		}, func(err error) {
			if err != nil {
				dialog.ShowInformation("Access not revoked", plainError(err), s.window.win)
				return
			}
			dialog.ShowInformation("Access revoked", safetext.Lines(out.Message), s.window.win)
			if out.OpenURL != "" {
				go openURLIn(s.app, out.OpenURL)
			}
			s.Reload()
		})
	})
}

func (s *Shell) remove(a accounts.Account) {
	s.window.confirmRemove(a, func() {
		s.runAction(func(ctx context.Context) error { return s.core.Remove(ctx, a.ID) }, func(err error) {
			if err != nil {
				dialog.ShowInformation("Not removed", plainError(err), s.window.win)
				return
			}
			s.Reload()
		})
	})
}

func (s *Shell) copyToken(a accounts.Account) {
	s.window.confirmCopyToken(a, func() {
		var token string
		s.runAction(func(ctx context.Context) (err error) {
			token, err = s.core.AccessToken(ctx, a.ID)
			return err
		}, func(err error) {
			if err != nil {
				s.window.setNotice("No token copied. " + plainError(err))
				return
			}
			clip := s.app.Clipboard()
			clip.SetContent(token)
			s.window.setNotice("Access token copied. The clipboard is cleared in 30 seconds.")
			s.after(clipboardClear, func() {
				fyne.Do(func() {
					// Leave alone whatever the person copied since.
					if clip.Content() == token {
						clip.SetContent("")
					}
				})
			})
		})
	})
}

// setApproval switches approval for a, then shows the account as it is
// now (the switch goes back if it could not be changed).
func (s *Shell) setApproval(a accounts.Account, on bool) {
	s.runAction(func(ctx context.Context) error { return s.core.SetApproval(ctx, a.ID, on) }, func(err error) {
		if err != nil {
			dialog.ShowInformation("Not changed", plainError(err), s.window.win)
		}
		s.Reload()
	})
}

// forgetProgram drops the decision kept for exe: the program is asked
// about again next time.
func (s *Shell) forgetProgram(a accounts.Account, exe string) {
	s.runAction(func(ctx context.Context) error { return s.core.ForgetProgram(ctx, a.ID, exe) }, func(err error) {
		if err != nil {
			dialog.ShowInformation("Not forgotten", plainError(err), s.window.win)
		} else {
			s.window.setNotice(safetext.Line(exe) + " will be asked about again.")
		}
		s.Reload()
	})
}
