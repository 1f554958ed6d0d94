package main

import (
	"testing"

	"fyne.io/fyne/v2/app"

	"github.com/latchkey/latchkey/ui"
)

// On the real driver Fyne sets a stopped hook of its own (which queues the
// lifecycle event its shutdown can hang on); DropStoppedEvent clears it. A
// Fyne upgrade that changes either fails here.
func TestDropStoppedEventOnRealApp(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	a := app.NewWithID(ui.AppID + ".test")
	l, ok := a.Lifecycle().(interface{ OnStopped() func() })
	if !ok {
		t.Fatal("Fyne's lifecycle has no OnStopped any more")
	}
	if l.OnStopped() == nil {
		t.Fatal("Fyne sets no stopped hook of its own any more: ui.DropStoppedEvent can go")
	}
	if !ui.DropStoppedEvent(a) || l.OnStopped() != nil {
		t.Fatal("ui.DropStoppedEvent left a stopped event")
	}
}
