package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// The tray's Quit item and the Q shortcut end the app through
// Options.Quit (the app's own quit, session.Quit), never through Fyne's
// App.Quit, whose shutdown can hang.
func TestQuitGoesThroughOptionsQuit(t *testing.T) {
	a := &quitCountingApp{App: test.NewTempApp(t)}
	host := &fakeTray{}
	var quits int
	s := newShell(a, &fakeLister{}, host, Options{Quit: func() { quits++ }})
	<-s.Reload()

	var quitItem *fyne.MenuItem
	for _, it := range host.menu.Items {
		if it.IsQuit {
			quitItem = it
		}
	}
	if quitItem == nil {
		t.Fatalf("no Quit item in the tray menu %q", menuLabels(host.menu))
	}
	quitItem.Action()
	s.window.shortcuts[fyne.KeyQ]()
	if quits != 2 || a.quits != 0 {
		t.Errorf("Options.Quit ran %d times and fyne.App.Quit %d times; want 2 and 0", quits, a.quits)
	}
}

func TestQuitWithoutOptionsQuitUsesFyne(t *testing.T) {
	a := &quitCountingApp{App: test.NewTempApp(t)}
	s := newShell(a, &fakeLister{}, &fakeTray{}, Options{})
	s.quit()
	if a.quits != 1 {
		t.Errorf("fyne.App.Quit ran %d times; want 1", a.quits)
	}
}

type quitCountingApp struct {
	fyne.App
	quits int
}

func (a *quitCountingApp) Quit() { a.quits++ }

// DropStoppedEvent relies on methods of Fyne's internal lifecycle type
// (the test driver's is the same type): a Fyne upgrade that changes them
// fails here rather than bringing the hang back unseen. The real driver
// sets the hook itself (its preference save); here the test sets one.
func TestDropStoppedEvent(t *testing.T) {
	a := test.NewTempApp(t)
	l, ok := a.Lifecycle().(fyneStoppedHook)
	if !ok {
		t.Fatalf("Fyne's lifecycle (%T) lacks SetOnStoppedHookExecuted or OnStopped", a.Lifecycle())
	}
	l.SetOnStoppedHookExecuted(func() {})
	if l.OnStopped() == nil {
		t.Fatal("a stopped hook brings no stopped event: DropStoppedEvent can go")
	}
	if !DropStoppedEvent(a) || l.OnStopped() != nil {
		t.Fatal("DropStoppedEvent left a stopped event")
	}
}
