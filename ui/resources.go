package ui

import (
	"fyne.io/fyne/v2"

	"github.com/latchkey/latchkey/assets"
)

var (
	appIcon           = fyne.NewStaticResource("latchkey.png", assets.Icon)
	windowIcon        = fyne.NewStaticResource("latchkey-window.png", assets.WindowIcon)
	trayIconNormal    = fyne.NewStaticResource("latchkey-tray.png", assets.Tray)
	trayIconAttention = fyne.NewStaticResource("latchkey-tray-attention.png", assets.TrayAttention)
	trayIconBusy      = fyne.NewStaticResource("latchkey-tray-busy.png", assets.TrayBusy)
)

// AppIcon is Latchkey's application icon, for fyne.App.SetIcon: a binary
// built with plain `go build` does not read FyneApp.toml's icon.
func AppIcon() fyne.Resource {
	return appIcon
}

// WindowIcon is the application icon at the size windows need (256 px),
// for fyne.App.SetIcon in the processes that show windows: every window
// decodes its icon and hands it to the window system as it opens, and the
// full-size AppIcon made that a tenth of the time to the window.
func WindowIcon() fyne.Resource {
	return windowIcon
}
