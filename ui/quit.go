package ui

import "fyne.io/fyne/v2"

// fyneStoppedHook is the part of Fyne 2.8's lifecycle (an internal type,
// fyne.io/fyne/v2/internal/app.Lifecycle) that holds the hook Fyne runs
// itself when the app stops (saving its preferences).
type fyneStoppedHook interface {
	SetOnStoppedHookExecuted(func())
	OnStopped() func()
}

// DropStoppedEvent keeps Fyne's shutdown from queueing a "stopped"
// lifecycle event, for when Fyne shuts down by itself (its SIGTERM handler,
// its last window closing) rather than through the app's own quit
// (session.Quit). It reports whether there is now no such event.
//
// Fyne 2.8 queues that event just before it drains and closes its main
// function queue; the lifecycle goroutine hands the event to that queue and
// waits for it to run. Handed over after the drain, it never runs, so that
// goroutine and App.Run (which waits for it, Lifecycle.WaitForEvents) block
// for good; handed over after the close, it panics (send on closed
// channel). Without an event nothing is handed over. The hook only saves
// Fyne's preferences, which the app does not use; the app sets no
// OnStopped of its own (that would bring the event back).
func DropStoppedEvent(a fyne.App) bool {
	l, ok := a.Lifecycle().(fyneStoppedHook)
	if !ok {
		return false
	}
	l.SetOnStoppedHookExecuted(nil)
	return l.OnStopped() == nil
}
