package ui

import (
	"fyne.io/fyne/v2"
)

// TrayState is everything the tray shows, plus what its items do. The tray
// is rebuilt whole from it by TrayMenu and TrayIcon.
type TrayState struct {
	State
	// OnManage opens the accounts window.
	OnManage func()
	// OnQuit ends the app.
	OnQuit func()
}

// Tray menu labels, shared with the smoke test that reads the menu over
// D-Bus (cmd/latchkey-tray/testdata/smoke.sh).
const (
	trayManageLabel = "Manage accounts…"
	trayQuitLabel   = "Quit"
)

// TrayMenu builds the tray menu for state: one disabled line per account
// with its state, then "Manage accounts…" and "Quit". It is a pure function
// of state; call it again whenever the state changes.
func TrayMenu(state TrayState) *fyne.Menu {
	var items []*fyne.MenuItem
	for _, line := range trayStatusLines(state.State) {
		item := fyne.NewMenuItem(line, nil)
		item.Disabled = true
		items = append(items, item)
	}

	manage := fyne.NewMenuItem(trayManageLabel, state.OnManage)
	quit := fyne.NewMenuItem(trayQuitLabel, state.OnQuit)
	// Marked so that Fyne does not add a Quit item of its own.
	quit.IsQuit = true

	items = append(items, fyne.NewMenuItemSeparator(), manage, quit)
	return fyne.NewMenu("Latchkey", items...)
}

// trayStatusLines are the disabled lines at the top of the tray menu.
func trayStatusLines(s State) []string {
	var lines []string
	for _, a := range s.Accounts {
		lines = append(lines, trayAccountLabel(a))
	}
	switch {
	case s.Err != nil:
		lines = append(lines, "Accounts unavailable")
	case len(s.Accounts) > 0:
	case s.Loading:
		lines = append(lines, "Loading accounts…")
	default:
		lines = append(lines, "No accounts connected")
	}
	return lines
}

// TrayIcon chooses the tray icon for state: attention when an account needs
// reconnecting or the accounts could not be read, busy while loading,
// normal otherwise.
func TrayIcon(state TrayState) fyne.Resource {
	switch {
	case state.NeedsAttention():
		return trayIconAttention
	case state.Loading:
		return trayIconBusy
	default:
		return trayIconNormal
	}
}

// trayHost is the part of desktop.App the tray needs.
type trayHost interface {
	SetSystemTrayMenu(menu *fyne.Menu)
	SetSystemTrayIcon(icon fyne.Resource)
}

// tray shows TrayState in the system tray.
type tray struct {
	host trayHost
	// menu is handed to the host every time with new items. Fyne renders
	// the first menu it was given once the tray registers on D-Bus, so
	// keeping one menu value means that late render shows the newest items.
	menu *fyne.Menu
}

func newTray(host trayHost) *tray {
	return &tray{host: host, menu: fyne.NewMenu("Latchkey")}
}

// set shows state. Call it on the UI goroutine.
func (t *tray) set(state TrayState) {
	fresh := TrayMenu(state)
	t.menu.Label = fresh.Label
	t.menu.Items = fresh.Items
	t.host.SetSystemTrayIcon(TrayIcon(state))
	t.host.SetSystemTrayMenu(t.menu)
}
