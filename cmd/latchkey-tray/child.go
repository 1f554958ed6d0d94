package main

import (
	"fmt"
	"io"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/latchkey/latchkey/ui"
	"github.com/latchkey/latchkey/ui/session"
)

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
