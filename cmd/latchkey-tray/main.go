// Command latchkey-tray is Latchkey's desktop app: a tray icon showing the
// state of the connected accounts, a wizard to connect one and a window to
// manage them. It keeps every account's access token fresh in the keychain
// while it runs. It only wires things together; the screens live in package
// ui, the accounts in package accounts, and the OS integration (start at
// login, one running instance, notifications, the window process) in
// package ui/session.
//
// It runs as two processes. The tray process, which runs all day, shows
// the tray icon and menu through fyne.io/systray, renews tokens, watches
// the config dir, notifies and answers second launches; it creates no Fyne
// app, no window and no GL context, so it idles in a few MiB and no CPU.
// The window process (the same binary with --window, started by the tray
// when a window is wanted) runs the accounts window and the wizard with
// Fyne, and ends when its last window is hidden, giving its memory back.
// It ends too when the tray process ends, however it ends: its stdin,
// the tray's pipe, closes.
//
// Build it with `fyne build` (or `go build -tags migrated_fynedo`) so that
// Fyne runs with the fyneDo threading model that FyneApp.toml opts into.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/safetext"
	"github.com/latchkey/latchkey/ui"
	"github.com/latchkey/latchkey/ui/session"
)

func main() {
	hidden := flag.Bool("hidden", false, "start in the tray without opening a window (how it starts at login)")
	window := flag.Bool("window", false, "run as the window process of a running tray (the tray starts it)")
	prompt := flag.Bool("approve", false, "run as a prompt process of a running tray, asking whether a program may have a token (the tray starts it)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: latchkey-tray [--hidden]\n\n"+
			"Latchkey's desktop app: connect accounts, see and change what they allow,\n"+
			"and keep their access tokens fresh in the keychain while it runs.\n"+
			"A second launch brings the running app forward.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	accounts.HardenProcess()
	if *window {
		runWindows()
		return
	}
	if *prompt {
		runPrompt()
		return
	}
	runTray(*hidden)
}

// openCore opens the accounts; without them the app starts anyway and the
// window says what went wrong.
func openCore() (*accounts.Service, ui.Core) {
	svc, err := accounts.Open(accounts.Options{OnHook: logHook})
	if err != nil {
		return nil, ui.Unavailable(err)
	}
	return svc, ui.NewCore(svc)
}

// logHook writes a hook that failed to stderr (the session's log), with
// what it said: its text is escaped, as another program's.
func logHook(r accounts.HookResult) {
	if r.Err == nil {
		return
	}
	msg := "latchkey-tray: " + safetext.Line(r.Err.Error())
	if r.Output != "" {
		msg += "; it said: " + safetext.Line(r.Output)
	}
	fmt.Fprintln(os.Stderr, msg)
}

// runTray runs the tray process until Quit or a signal.
func runTray(hidden bool) {
	// One app per session: a second launch opens the first one's window.
	ready := make(chan *ui.TrayApp, 1)
	tray := func() *ui.TrayApp {
		t := <-ready
		ready <- t
		return t
	}
	// The latchkey command asks here whether a program may have a token
	// (approval): the tray shows a prompt in a process of its own.
	instance, err := session.ClaimApp(session.TrayInstance, session.Handlers{
		Activate: func() { tray().Activate() },
		Approve: func(ctx context.Context, req accounts.ApprovalRequest) (accounts.Decision, error) {
			return tray().Approve(ctx, req)
		},
	})
	if errors.Is(err, session.ErrAlreadyRunning) {
		fmt.Fprintln(os.Stderr, "Latchkey is already running: its window was brought forward.")
		return
	}
	if err != nil {
		// Not fatal: without it a second launch starts a second app.
		fmt.Fprintf(os.Stderr, "latchkey-tray: %v\n", err)
	}

	// Every way out (the Quit item, the Q shortcut in the window, SIGTERM,
	// SIGINT) goes through quit: it runs the stops added below, the last
	// added first, and exits, within session.QuitDeadline.
	quit := session.NewQuit()
	quit.OnSignals()

	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "latchkey-tray: %v\n", err)
		os.Exit(1)
	}
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
	if n, err := session.NewNotifier(); err == nil {
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
	} else {
		// Without Notify, a window process sends them through Fyne.
		fmt.Fprintf(os.Stderr, "latchkey-tray: %v\n", err)
	}

	svc, core := openCore()
	t := ui.NewTrayApp(core, opts)
	ready <- t

	if svc != nil {
		// Keep every access token fresh, and follow changes other Latchkey
		// processes make (the command or the window connecting or removing
		// an account).
		renewer := svc.NewRenewer(t.RenewalReported)
		sync := func() { renewer.Sync(context.Background()) }
		stopWatch, err := svc.WatchAccounts(func() {
			t.AccountsChanged()
			sync()
		})
		if err != nil {
			fmt.Fprintf(os.Stderr, "latchkey-tray: %v\n", err)
			stopWatch = func() {}
		}
		// Timers stand still while the computer sleeps: look again on wake.
		stopResume, err := session.OnResume(func() {
			t.AccountsChanged()
			sync()
		})
		if err != nil {
			stopResume = func() {}
		}
		go sync()
		// Between Quit and exit nothing waits on the network or the
		// keychain: the resume watch's one bus call is bounded (1s), the
		// file watch only closes, and Stop cancels a renewal under way
		// without waiting for the provider or the keychain to answer (a
		// refresh still running ends with the process, and the OS releases
		// the account's lock). The notifier and the single-instance socket
		// only close (a half-open activation is cut off by its 5s
		// deadline); the window process is given windowStopWait (2s) and
		// then killed.
		quit.OnQuit(func() {
			stopResume()
			stopWatch()
			renewer.Stop()
			// A hook still running is killed, not left unbounded.
			svc.StopHooks()
		})
	}
	if instance != nil {
		quit.OnQuit(func() { instance.Close() })
	}
	// Added last, so it runs first: quitting closes an open window.
	quit.OnQuit(t.StopWindows)
	t.Run()
}

// runPrompt runs a prompt process: one approval prompt, as the tray asks
// on stdin, answered on stdout.
func runPrompt() {
	runChild(func(a fyne.App, toTray io.Writer) func() error {
		return func() error { return ui.ServePrompt(a, os.Stdin, toTray) }
	})
}

// runWindows runs the window process: the accounts window and the wizard,
// as the tray process asks on stdin, until the tray ends it or is gone.
func runWindows() {
	trace := newStartupTrace()
	var warmer glWarmer
	runChild(func(a fyne.App, toTray io.Writer) func() error {
		_, core := openCore()
		trace.mark("accounts opened")
		p := ui.NewWindowProcess(a, core, ui.Options{}, toTray)
		trace.mark("windows built")
		// Before the first request, which most often comes with the click,
		// after the menu opened; while the accounts load.
		p.Prepare = func() {
			if err := warmer.warm(); err != nil {
				fmt.Fprintf(os.Stderr, "latchkey-tray: %v\n", err)
			}
			trace.mark("GL warmed up")
		}
		// Fyne's window now has its own context.
		p.Shown = func() {
			trace.mark("window shown and painted")
			warmer.release()
		}
		// Serve returns when the tray closed the pipe (it ends this
		// process, or is gone).
		return func() error { return p.Serve(trace.input(os.Stdin)) }
	})
}

// runChild runs a process the tray started. setup builds its windows on
// the main goroutine, before Fyne runs, and returns what talks to the
// tray (stdin, and toTray, the process's stdout); when that returns, or
// Fyne stops by itself, the process quits.
func runChild(setup func(a fyne.App, toTray io.Writer) (serve func() error)) {
	// Stdout is the pipe to the tray: keep everything else off it.
	toTray := os.Stdout
	os.Stdout = os.Stderr

	quit := session.NewQuit()
	quit.OnSignals()

	a := newFyneApp()
	serve := setup(a, toTray)
	go func() {
		if err := serve(); err != nil {
			fmt.Fprintf(os.Stderr, "latchkey-tray: %v\n", err)
		}
		quit.Now()
	}()
	a.Run()
	// Fyne stopped by itself: quit the same way.
	quit.Now()
}

// newFyneApp makes the Fyne app of a window or prompt process.
func newFyneApp() fyne.App {
	a := app.NewWithID(ui.AppID)
	// For when Fyne shuts down by itself all the same.
	if !ui.DropStoppedEvent(a) {
		fmt.Fprintln(os.Stderr, "latchkey-tray: warning: Fyne's shutdown may hang if it runs (see ui.DropStoppedEvent)")
	}
	if meta := a.Metadata(); meta.Name == "" {
		// Built with plain `go build`, away from FyneApp.toml: name the app
		// ourselves, or the windows' titles would lack it.
		meta.ID, meta.Name = ui.AppID, ui.AppName
		app.SetMetadata(meta)
	}
	// A binary built with plain `go build` does not carry FyneApp.toml's icon.
	a.SetIcon(ui.AppIcon())
	return a
}
