package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/ui"
	"github.com/latchkey/latchkey/ui/session"
)

// runTray runs the tray process until Quit or a signal: it claims the
// session's one instance, builds the tray, keeps the tokens fresh and
// runs the tray until the app quits.
//
// Every way out (the Quit item, the Q shortcut in the window, SIGTERM,
// SIGINT) goes through quit: it runs the stops added here, the last added
// first, and exits, within session.QuitDeadline. Between Quit and exit
// nothing waits on the network or the keychain: the resume watch's one bus
// call is bounded (1s), the file watch only closes, and the renewer's Stop
// cancels a renewal under way without waiting for the provider or the
// keychain to answer (a refresh still running ends with the process, and
// the OS releases the account's lock). The notifier and the
// single-instance socket only close (a half-open activation is cut off by
// its 5s deadline); the window process is given windowStopWait (2s) and
// then killed.
func runTray(hidden bool) {
	ready := make(chan *ui.TrayApp, 1)
	instance, running := claimInstance(ready)
	if running {
		fmt.Fprintln(os.Stderr, "Latchkey is already running: its window was brought forward.")
		return
	}
	quit := session.NewQuit()
	quit.OnSignals()

	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "latchkey-tray: %v\n", err)
		os.Exit(1)
	}
	opts := trayOptions(exe, hidden, quit)
	svc, core := openCore()
	t := ui.NewTrayApp(core, opts)
	ready <- t
	if svc != nil {
		quit.OnQuit(keepFresh(svc, t))
	}
	if instance != nil {
		quit.OnQuit(func() { instance.Close() })
	}
	// Added last, so it runs first: quitting closes an open window.
	quit.OnQuit(t.StopWindows)
	t.Run()
}

// claimInstance makes this the session's one app: a second launch opens
// this one's window, and the latchkey command asks here whether a program
// may have a token (approval), which the tray shows in a prompt process
// of its own. Requests wait for the tray app sent on ready. running is
// true when another app has the session; instance is nil when the claim
// failed otherwise, which is not fatal: a second launch then starts a
// second app.
func claimInstance(ready chan *ui.TrayApp) (instance *session.Instance, running bool) {
	tray := func() *ui.TrayApp {
		t := <-ready
		ready <- t
		return t
	}
	instance, err := session.ClaimApp(session.TrayInstance, session.Handlers{
		Activate: func() { tray().Activate() },
		Approve: func(ctx context.Context, req accounts.ApprovalRequest) (accounts.Decision, error) {
			return tray().Approve(ctx, req)
		},
	})
	if errors.Is(err, session.ErrAlreadyRunning) {
		return nil, true
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "latchkey-tray: %v\n", err)
	}
	return instance, false
}

// trayOptions are the tray's ties to the session: quitting, start at
// login, the window and prompt processes (this executable, exe, with
// --window and --approve) and notifications.
func trayOptions(exe string, hidden bool, quit *session.Quit) ui.TrayOptions {
	opts := ui.TrayOptions{StartedAtLogin: hidden, Quit: quit.Now, Log: os.Stderr,
		Autostart: session.Autostart{ID: ui.AppID, Name: ui.AppName, Exec: exe, Args: []string{"--hidden"},
			Comment: ui.AutostartComment},
		StartWindows: func(onLine func([]byte), onExit func()) (ui.WindowConn, error) {
			return session.StartChild(exe, []string{"--window"}, onLine, func(error) { onExit() })
		},
		StartPrompt: func(onLine func([]byte), onExit func()) (ui.WindowConn, error) {
			return session.StartChild(exe, []string{"--approve"}, onLine, func(error) { onExit() })
		},
	}
	n, err := session.NewNotifier()
	if err != nil {
		// Without Notify, a window process sends them through Fyne.
		fmt.Fprintf(os.Stderr, "latchkey-tray: %v\n", err)
		return opts
	}
	quit.OnQuit(func() { n.Close() })
	opts.Notify = func(title, body string, reconnect func()) {
		nt := session.Notification{AppName: ui.AppName, Icon: ui.AppID, Title: title, Body: body}
		if reconnect != nil {
			nt.Actions = []session.Action{{Key: "reconnect", Label: "Reconnect", Run: reconnect}}
		}
		if _, err := n.Notify(nt, 0); err != nil {
			fmt.Fprintf(os.Stderr, "latchkey-tray: %v\n", err)
		}
	}
	return opts
}

// keepFresh keeps every access token fresh and follows changes other
// Latchkey processes make (the command or the window connecting or
// removing an account), and looks again when the computer wakes: timers
// stand still while it sleeps. It returns what stops all that, without
// waiting on the network or the keychain.
func keepFresh(svc *accounts.Service, t *ui.TrayApp) (stop func()) {
	renewer := svc.NewRenewer(t.RenewalReported)
	changed := func() {
		t.AccountsChanged()
		renewer.Sync(context.Background())
	}
	stopWatch, err := svc.WatchAccounts(changed)
	if err != nil {
		fmt.Fprintf(os.Stderr, "latchkey-tray: %v\n", err)
		stopWatch = func() {}
	}
	stopResume, err := session.OnResume(changed)
	if err != nil {
		stopResume = func() {}
	}
	go renewer.Sync(context.Background())
	return func() {
		stopResume()
		stopWatch()
		renewer.Stop()
		// A hook still running is killed, not left unbounded.
		svc.StopHooks()
	}
}
