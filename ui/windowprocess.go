package ui

import (
	"bufio"
	"io"
	"sync"
	"time"

	"fyne.io/fyne/v2"
)

// WindowProcess is the part of the desktop app that runs only while a
// window is shown: the accounts window and the connect wizard, in a
// process the tray process (TrayApp) starts. It does what the tray's
// Messages ask, tells the tray when a sign-in starts or ends and when its
// last window was hidden (the tray then ends it), and asks the tray to
// quit for the Q shortcut. It sends no notifications: the tray does.
type WindowProcess struct {
	shell *Shell
	out   io.Writer
	outMu sync.Mutex
	// handled counts the requests that open a window handled, on the UI
	// goroutine.
	handled int
	windows *shownWindows
	// Prepare, if set before Serve, runs on the UI goroutine while the
	// accounts load, before the first request is handled, unless a request
	// is waiting already: work that makes the first window open sooner.
	Prepare func()
	// Shown, if set, runs on the UI goroutine each time a window was
	// shown (Show returned).
	Shown func()
	// prepareAfter is the const prepareAfter but in tests.
	prepareAfter time.Duration
}

// NewWindowProcess builds the windows on a, hidden. Messages to the tray
// are written to out, one a line. opts.Quit, opts.Notify and
// opts.SigningIn are the process's own; the other options are used as
// NewShell uses them. Then call Serve.
func NewWindowProcess(a fyne.App, core AccountService, opts Options, out io.Writer) *WindowProcess {
	p := &WindowProcess{out: out, prepareAfter: prepareAfter}
	p.windows = &shownWindows{App: a, shown: map[fyne.Window]bool{}, onAllHidden: p.allHidden, onShown: p.windowShown}
	// The tray decides when to offer the wizard by itself.
	opts.StartedAtLogin = true
	opts.Quit = func() { p.tell(Message{Kind: kindQuit}) }
	opts.Notify = func(string, string, func()) {}
	opts.SigningIn = func(on bool) { p.tell(Message{Kind: kindSigningIn, On: on}) }
	p.shell = newShell(p.windows, core, nil, opts)
	// Escape, Ctrl+W and the close button hide; hiding the last window
	// ends the process (through the tray).
	p.shell.window.hideOnCloseAndEscape()
	return p
}

// Serve reads the tray's messages from in until it ends, handling each on
// the UI goroutine, and loads the accounts. When it returns, the tray is
// gone (or asked this process to end): the caller should exit.
func (p *WindowProcess) Serve(in io.Reader) error {
	msgs := make(chan Message)
	readErr := make(chan error, 1)
	go func() {
		defer close(msgs)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 4096), maxMessage)
		for sc.Scan() {
			if m, err := decodeMessage(sc.Bytes()); err == nil {
				msgs <- m
			}
		}
		readErr <- sc.Err()
	}()
	// The first request usually names what to show: give the accounts a
	// moment to load first (reading the index takes milliseconds), but
	// never wait on a slow keychain.
	var loaded <-chan struct{}
	fyne.DoAndWait(func() { loaded = p.shell.Reload() })
	early := p.prepare(msgs)
	select {
	case <-loaded:
	case <-time.After(firstLoadWait):
	}
	for _, m := range early {
		p.handleLater(m)
	}
	for m := range msgs {
		p.handleLater(m)
	}
	return <-readErr
}

// prepare runs Prepare, if set, unless a request to open a window is
// waiting already: a process started for one (rather than as the menu
// opened) finds it in its pipe at once, and Prepare would only delay it.
// It returns the messages it read meanwhile, to be handled.
func (p *WindowProcess) prepare(msgs <-chan Message) []Message {
	var early []Message
	for p.Prepare != nil {
		select {
		case m, ok := <-msgs:
			if !ok {
				return early
			}
			early = append(early, m)
			if m.opensWindow() {
				return early
			}
		case <-time.After(p.prepareAfter):
			fyne.DoAndWait(p.Prepare)
			return early
		}
	}
	return early
}

// handleLater handles m on the UI goroutine.
func (p *WindowProcess) handleLater(m Message) {
	fyne.Do(func() {
		if m.opensWindow() {
			p.handled++
		}
		p.handle(m)
	})
}

// firstLoadWait bounds how long the first request waits for the accounts.
const firstLoadWait = time.Second

// prepareAfter is how long Serve waits for a request already in the pipe
// before it runs Prepare.
const prepareAfter = 20 * time.Millisecond

// maxMessage bounds one message line.
const maxMessage = 64 << 10

// handle does what m asks. Call it on the UI goroutine.
func (p *WindowProcess) handle(m Message) {
	s := p.shell
	switch m.Kind {
	case kindShow:
		if m.Account != "" {
			// Kept by a load still under way.
			s.window.selected = m.Account
			s.ShowAccount(m.Account)
		} else {
			s.Show()
		}
	case kindConnect:
		s.Connect()
	case kindReconnect:
		for _, a := range s.state.Accounts {
			if a.ID == m.Account {
				s.reconnect(a, false)
				return
			}
		}
		// Not loaded yet (a fresh process): load, then reconnect.
		loaded := s.Reload()
		s.bg.run(func() { <-loaded }, func() {
			for _, a := range s.state.Accounts {
				if a.ID == m.Account {
					s.reconnect(a, false)
					return
				}
			}
			s.ShowAccount(m.Account)
		})
	case kindReload:
		s.Reload()
	case kindRenew:
		s.setRenewFailure(m.Account, m.Text)
	case kindNotify:
		go func() {
			s.app.SendNotification(fyne.NewNotification(m.Title, m.Text))
			// Started only for this, the process may end now.
			fyne.Do(func() {
				if len(p.windows.shown) == 0 {
					p.allHidden()
				}
			})
		}()
	}
}

// windowShown runs Shown. Call it on the UI goroutine.
func (p *WindowProcess) windowShown() {
	if p.Shown != nil {
		p.Shown()
	}
}

// allHidden tells the tray that no window is shown. Call it on the UI
// goroutine.
func (p *WindowProcess) allHidden() {
	p.tell(Message{Kind: kindHidden, Seq: p.handled})
}

// tell writes m to the tray.
func (p *WindowProcess) tell(m Message) {
	p.outMu.Lock()
	defer p.outMu.Unlock()
	p.out.Write(append(m.encode(), '\n'))
}

// shownWindows is a fyne.App whose windows report when one is shown and
// when the last shown one is hidden.
type shownWindows struct {
	fyne.App
	shown       map[fyne.Window]bool // by window, on the UI goroutine
	onAllHidden func()
	onShown     func()
}

func (a *shownWindows) NewWindow(title string) fyne.Window {
	return &shownWindow{Window: a.App.NewWindow(title), app: a}
}

// shownWindow is a window that tells its app when it is shown or hidden.
type shownWindow struct {
	fyne.Window
	app *shownWindows
}

func (w *shownWindow) Show() {
	w.app.shown[w] = true
	w.Window.Show()
	if w.app.onShown != nil {
		w.app.onShown()
	}
}

func (w *shownWindow) Hide() {
	w.Window.Hide()
	w.hidden()
}

func (w *shownWindow) Close() {
	w.Window.Close()
	w.hidden()
}

// hidden notes that w is hidden and, if no window is shown any more once
// the current event is handled (the wizard's last step hides itself, then
// shows the accounts window), tells the app.
func (w *shownWindow) hidden() {
	delete(w.app.shown, w)
	go fyne.Do(func() {
		if len(w.app.shown) == 0 && w.app.onAllHidden != nil {
			w.app.onAllHidden()
		}
	})
}
