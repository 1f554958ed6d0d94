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
	"flag"
	"fmt"
	"os"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/safetext"
	"github.com/latchkey/latchkey/ui"
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
func openCore() (*accounts.Service, ui.AccountService) {
	svc, err := accounts.Open(accounts.Options{OnHook: logHook})
	if err != nil {
		return nil, ui.Unavailable(err)
	}
	return svc, ui.NewAccountService(svc)
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
