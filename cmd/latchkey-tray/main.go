// Command latchkey-tray is Latchkey's desktop app: a tray icon showing the
// state of the connected accounts, and a window to manage them. It only
// wires things together; the screens live in package ui and the accounts in
// package accounts.
//
// Build it with `fyne build` (or `go build -tags migrated_fynedo`) so that
// Fyne runs with the fyneDo threading model that FyneApp.toml opts into.
package main

import (
	"fyne.io/fyne/v2/app"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/ui"
)

func main() {
	accounts.HardenProcess()
	a := app.NewWithID(ui.AppID)
	if meta := a.Metadata(); meta.Name == "" {
		// Built with plain `go build`, away from FyneApp.toml: name the app
		// ourselves, or the tray's title would be its ID.
		meta.ID, meta.Name = ui.AppID, ui.AppName
		app.SetMetadata(meta)
	}
	// A binary built with plain `go build` does not carry FyneApp.toml's icon.
	a.SetIcon(ui.AppIcon())

	var lister ui.AccountLister
	svc, err := accounts.Open(accounts.Options{})
	if err != nil {
		// Start anyway: the window says what went wrong.
		lister = ui.Unavailable(err)
	} else {
		lister = svc
	}

	shell := ui.NewShell(a, lister)
	shell.Show()
	shell.Reload()
	a.Run()
}
