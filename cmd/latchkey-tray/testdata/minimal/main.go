// Command minimal is the smallest Fyne tray app that does what
// latchkey-tray's shell does (a tray icon with a menu, one window that hides
// instead of closing), with nothing of Latchkey: the toolkit's own floor,
// which bench.sh measures side by side with latchkey-tray.
package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.NewWithID("io.github.latchkey.Minimal")
	w := a.NewWindow("Minimal")
	w.SetContent(widget.NewLabel("A minimal Fyne tray app"))
	w.Resize(fyne.NewSize(480, 360))
	if d, ok := a.(desktop.App); ok {
		d.SetSystemTrayMenu(fyne.NewMenu("Minimal", fyne.NewMenuItem("Show", w.Show)))
		w.SetCloseIntercept(w.Hide)
	}
	w.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			w.Hide()
		}
	})
	w.ShowAndRun()
}
