package ui

import (
	"fyne.io/fyne/v2"

	"github.com/latchkey/latchkey/assets"
)

var (
	appIcon           = fyne.NewStaticResource("latchkey.png", assets.Icon)
	trayIconNormal    = fyne.NewStaticResource("latchkey-tray.png", assets.Tray)
	trayIconAttention = fyne.NewStaticResource("latchkey-tray-attention.png", assets.TrayAttention)
	trayIconBusy      = fyne.NewStaticResource("latchkey-tray-busy.png", assets.TrayBusy)
)

// AppIcon is Latchkey's application icon, for fyne.App.SetIcon: a binary
// built with plain `go build` does not read FyneApp.toml's icon.
func AppIcon() fyne.Resource {
	return appIcon
}
