package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// listTimeout bounds one load of the accounts, so a stuck keychain or
// store leaves the window saying so instead of loading forever.
const listTimeout = 30 * time.Second

// Shell is Latchkey's desktop front end: the tray and the accounts window
// over one State. State changes only on the UI goroutine; loads run in a
// goroutine and hand their result back with fyne.Do.
type Shell struct {
	app    fyne.App
	lister AccountLister
	window *accountsWindow
	tray   *tray // nil where the desktop has no tray

	state State
	// loads counts loads started, so a slow load finishing after a newer
	// one does not overwrite it.
	loads int
	// lastLoad is the channel the newest Reload returned, for tests that
	// start a load by tapping Refresh.
	lastLoad <-chan struct{}
}

// NewShell builds the front end on a. It adds a tray when a is a
// desktop.App; then the app lives in the tray, and closing the window or
// pressing Escape hides it. Call it on the UI goroutine (or before a.Run),
// then Show and Reload.
func NewShell(a fyne.App, lister AccountLister) *Shell {
	var host trayHost
	if d, ok := a.(desktop.App); ok {
		host = d
	}
	s := newShell(a, lister, host)
	if d, ok := a.(desktop.App); ok {
		// A left click on the tray icon shows the window.
		d.SetSystemTrayWindow(s.window.win)
		// SetSystemTrayWindow set its own close intercept; keep ours.
		s.window.hideOnCloseAndEscape()
	}
	return s
}

func newShell(a fyne.App, lister AccountLister, host trayHost) *Shell {
	s := &Shell{app: a, lister: lister, state: State{Loading: true}}
	s.window = newAccountsWindow(a, func() { s.Reload() })
	if host != nil {
		s.tray = newTray(host)
		s.window.hideOnCloseAndEscape()
	}
	s.apply()
	return s
}

// Show shows the accounts window and brings it to the front.
func (s *Shell) Show() {
	s.window.win.Show()
	s.window.win.RequestFocus()
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
	s.lastLoad = done
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), listTimeout)
		list, err := s.lister.List(ctx)
		cancel()
		fyne.Do(func() {
			defer close(done)
			if load != s.loads {
				return // a newer load is under way and will update the state
			}
			if err != nil {
				// Keep the accounts already shown: they are still what
				// Latchkey last knew.
				s.state = State{Accounts: s.state.Accounts, Err: err}
			} else {
				s.state = State{Accounts: list}
			}
			s.apply()
		})
	}()
	return done
}

// apply shows s.state in the window and the tray.
func (s *Shell) apply() {
	s.window.show(s.state)
	if s.tray != nil {
		s.tray.set(TrayState{State: s.state, OnManage: s.Show, OnQuit: s.app.Quit})
	}
}
