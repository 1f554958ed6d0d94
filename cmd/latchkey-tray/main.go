// Command latchkey-tray is Latchkey's desktop app: a tray icon showing the
// state of the connected accounts, a wizard to connect one and a window to
// manage them. It keeps every account's access token fresh in the keychain
// while it runs. It only wires things together; the screens live in package
// ui, the accounts in package accounts, and the OS integration (start at
// login, one running instance, notifications) in package ui/session.
//
// Build it with `fyne build` (or `go build -tags migrated_fynedo`) so that
// Fyne runs with the fyneDo threading model that FyneApp.toml opts into.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/ui"
	"github.com/latchkey/latchkey/ui/session"
)

func main() {
	hidden := flag.Bool("hidden", false, "start in the tray without opening a window (how it starts at login)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: latchkey-tray [--hidden]\n\n"+
			"Latchkey's desktop app: connect accounts, see and change what they allow,\n"+
			"and keep their access tokens fresh in the keychain while it runs.\n"+
			"A second launch brings the running app forward.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	accounts.HardenProcess()

	// One app per session: a second launch shows the first one's window.
	ready := make(chan *ui.Shell, 1)
	instance, err := session.Claim("tray", func() {
		shell := <-ready
		ready <- shell
		fyne.Do(shell.Show)
	})
	if errors.Is(err, session.ErrAlreadyRunning) {
		fmt.Fprintln(os.Stderr, "Latchkey is already running: its window was brought forward.")
		return
	}
	if err != nil {
		// Not fatal: without it a second launch starts a second app.
		fmt.Fprintf(os.Stderr, "latchkey-tray: %v\n", err)
	}

	// Every way out (the Quit item, the Q shortcut, SIGTERM, SIGINT, Fyne
	// stopping by itself) goes through quit: it runs the stops added below,
	// the last added first, and exits, within session.QuitDeadline. Fyne's
	// own shutdown is never waited for (see session.Quit).
	quit := session.NewQuit()
	quit.OnSignals()

	a := app.NewWithID(ui.AppID)
	// For when Fyne shuts down by itself all the same.
	if !ui.DropStoppedEvent(a) {
		fmt.Fprintln(os.Stderr, "latchkey-tray: warning: Fyne's shutdown may hang if it runs (see ui.DropStoppedEvent)")
	}
	if meta := a.Metadata(); meta.Name == "" {
		// Built with plain `go build`, away from FyneApp.toml: name the app
		// ourselves, or the tray's title would be its ID.
		meta.ID, meta.Name = ui.AppID, ui.AppName
		app.SetMetadata(meta)
	}
	// A binary built with plain `go build` does not carry FyneApp.toml's icon.
	a.SetIcon(ui.AppIcon())

	opts := ui.Options{StartedAtLogin: *hidden, Quit: quit.Now}
	if exe, err := os.Executable(); err == nil {
		opts.Autostart = session.Autostart{ID: ui.AppID, Name: ui.AppName, Exec: exe, Args: []string{"--hidden"},
			Comment: ui.AutostartComment}
	}
	if n, err := session.NewNotifier(); err == nil {
		quit.OnQuit(func() { n.Close() })
		opts.Notify = func(title, body string, reconnect func()) {
			nt := session.Notification{AppName: ui.AppName, Icon: ui.AppID, Title: title, Body: body}
			if reconnect != nil {
				nt.Actions = []session.Action{{Key: "reconnect", Label: "Reconnect", Run: reconnect}}
			}
			if _, err := n.Notify(nt, 0); err != nil {
				// No notification server: Fyne's own, without the button.
				a.SendNotification(fyne.NewNotification(title, body))
			}
		}
	}

	svc, err := accounts.Open(accounts.Options{})
	var core ui.Core
	if err != nil {
		// Start anyway: the window says what went wrong.
		core = ui.Unavailable(err)
	} else {
		core = ui.NewCore(svc)
	}
	shell := ui.NewShell(a, core, opts)
	ready <- shell

	if svc != nil {
		// Keep every access token fresh, and follow changes other Latchkey
		// processes make (the command connecting or removing an account).
		renewer := svc.NewRenewer(shell.RenewalReported)
		sync := func() { renewer.Sync(context.Background()) }
		stopWatch, err := svc.WatchAccounts(func() {
			shell.AccountsChanged()
			sync()
		})
		if err != nil {
			fmt.Fprintf(os.Stderr, "latchkey-tray: %v\n", err)
			stopWatch = func() {}
		}
		// Timers stand still while the computer sleeps: look again on wake.
		stopResume, err := session.OnResume(func() {
			shell.AccountsChanged()
			sync()
		})
		if err != nil {
			stopResume = func() {}
		}
		a.Lifecycle().SetOnStarted(func() { go sync() })
		// Between Quit and exit nothing waits on the network, the
		// keychain or the UI goroutine (quit may run on it): the resume
		// watch's one bus call is bounded (1s), the file watch only
		// closes, and Stop cancels a renewal under way without waiting for
		// the provider or the keychain to answer (a refresh still running
		// ends with the process, and the OS releases the account's lock).
		// The notifier and the single-instance socket only close (a
		// half-open activation is cut off by its 5s deadline).
		quit.OnQuit(func() {
			stopResume()
			stopWatch()
			renewer.Stop()
		})
	}
	if instance != nil {
		quit.OnQuit(func() { instance.Close() })
	}

	if !*hidden {
		shell.Show()
	}
	shell.Reload()
	a.Run()
	// Fyne stopped by itself (its own SIGTERM handler, its last window
	// closed): quit the same way.
	quit.Now()
}
