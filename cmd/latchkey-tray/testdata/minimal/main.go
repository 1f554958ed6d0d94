// Command minimal is the smallest Fyne tray app that does what
// latchkey-tray's shell does (a tray icon with a menu, one window that hides
// instead of closing), with nothing of Latchkey: the toolkit's own floor,
// which bench.sh measures side by side with latchkey-tray. With --hidden it
// starts in the tray without showing the window, as latchkey-tray does at
// login; the menu's Show opens it.
package main

import (
	"flag"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

func main() {
	hidden := flag.Bool("hidden", false, "start in the tray without showing the window")
	flag.Parse()
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
	if *hidden {
		a.Run()
		return
	}
	w.ShowAndRun()
}
