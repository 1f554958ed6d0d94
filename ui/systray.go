package ui

import (
	"bytes"
	"encoding/binary"
	"runtime"

	"fyne.io/fyne/v2"
	"fyne.io/systray"
)

// systemTray shows a fyne.Menu and icon through fyne.io/systray directly (a
// StatusNotifierItem on D-Bus on Linux), without a Fyne app, a window or a
// GL context: it is the trayHost of the tray process.
type systemTray struct {
	icon fyne.Resource // the icon shown, to skip setting it again
}

// SetSystemTrayMenu replaces the whole menu with m. Each item's Action runs
// on a goroutine of its own when chosen. Call it from one goroutine at a time.
func (*systemTray) SetSystemTrayMenu(m *fyne.Menu) {
	systray.ResetMenu()
	for _, it := range m.Items {
		if it.IsSeparator {
			systray.AddSeparator()
			continue
		}
		var item *systray.MenuItem
		if it.Checked {
			item = systray.AddMenuItemCheckbox(it.Label, "", true)
		} else {
			item = systray.AddMenuItem(it.Label, "")
		}
		if it.Disabled {
			item.Disable()
		}
		action := it.Action
		go func() {
			// ClickedCh is closed when the next ResetMenu removes the item.
			for range item.ClickedCh {
				if action != nil {
					action()
				}
			}
		}()
	}
}

// SetSystemTrayIcon shows icon, a PNG.
func (t *systemTray) SetSystemTrayIcon(icon fyne.Resource) {
	if t.icon == icon {
		return
	}
	t.icon = icon
	systray.SetIcon(osIcon(icon.Content()))
}

// osIcon is png as the tray of this OS takes it: as is, or on Windows in an
// ICO file (which may hold a PNG image).
func osIcon(png []byte) []byte {
	if runtime.GOOS != "windows" {
		return png
	}
	var b bytes.Buffer
	// ICONDIR: reserved, type 1 (icon), one image.
	binary.Write(&b, binary.LittleEndian, [3]uint16{0, 1, 1})
	// ICONDIRENTRY: width and height 0 (256 or the PNG's own), no palette,
	// reserved, 1 plane, 32 bits, size, offset of the data (6 + 16).
	b.Write([]byte{0, 0, 0, 0})
	binary.Write(&b, binary.LittleEndian, [2]uint16{1, 32})
	binary.Write(&b, binary.LittleEndian, [2]uint32{uint32(len(png)), 22})
	b.Write(png)
	return b.Bytes()
}
