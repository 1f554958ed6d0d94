package ui

import (
	"fyne.io/fyne/v2"

	"github.com/latchkey/latchkey/accounts"
)

// TrayState is everything the tray shows, plus what its items do. The tray
// is rebuilt whole from it by TrayMenu and TrayIcon.
type TrayState struct {
	State
	// SigningIn is true while the connect wizard waits for the browser.
	SigningIn bool
	// StartAtLogin is the state of the "Start at login" item; HasAutostart
	// false leaves the item out (no way to start at login here).
	StartAtLogin, HasAutostart bool

	// OnAccount opens the accounts window on an account, or reconnects it
	// when it needs that.
	OnAccount func(accounts.Account)
	// OnConnect opens the connect wizard.
	OnConnect func()
	// OnManage opens the accounts window.
	OnManage func()
	// OnStartAtLogin switches starting at login on or off.
	OnStartAtLogin func(on bool)
	// OnQuit ends the app.
	OnQuit func()
}

// Tray menu labels, shared with the smoke test that reads the menu over
// D-Bus (cmd/latchkey-tray/testdata/smoke.sh).
const (
	trayConnectLabel   = "Connect account…"
	trayManageLabel    = "Manage accounts…"
	trayAutostartLabel = "Start at login"
	trayQuitLabel      = "Quit"
)

// TrayMenu builds the tray menu for state: one line per account with its
// state (choosing it opens the account, or reconnects it), then "Connect
// account…", "Manage accounts…", "Start at login" and "Quit". It is a pure
// function of state; call it again whenever the state changes.
func TrayMenu(state TrayState) *fyne.Menu {
	var items []*fyne.MenuItem
	for _, a := range state.Accounts {
		a := a
		item := fyne.NewMenuItem(trayAccountLabel(a), func() {
			if state.OnAccount != nil {
				state.OnAccount(a)
			}
		})
		if a.Status == accounts.StatusNeedsReconnect {
			item.Label = "Reconnect " + accountAddress(a) + "…"
		}
		items = append(items, item)
	}
	for _, line := range trayStatusLines(state.State) {
		item := fyne.NewMenuItem(line, nil)
		item.Disabled = true
		items = append(items, item)
	}
	if state.SigningIn {
		item := fyne.NewMenuItem("Signing in…", nil)
		item.Disabled = true
		items = append(items, item)
	}

	items = append(items, fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(trayConnectLabel, state.OnConnect),
		fyne.NewMenuItem(trayManageLabel, state.OnManage))
	if state.HasAutostart {
		on := state.StartAtLogin
		autostart := fyne.NewMenuItem(trayAutostartLabel, func() {
			if state.OnStartAtLogin != nil {
				state.OnStartAtLogin(!on)
			}
		})
		autostart.Checked = on
		items = append(items, fyne.NewMenuItemSeparator(), autostart)
	}
	quit := fyne.NewMenuItem(trayQuitLabel, state.OnQuit)
	// Marked so that Fyne does not add a Quit item of its own.
	quit.IsQuit = true
	items = append(items, fyne.NewMenuItemSeparator(), quit)
	return fyne.NewMenu("Latchkey", items...)
}

// trayStatusLines are the disabled lines that stand in for accounts.
func trayStatusLines(s State) []string {
	switch {
	case s.Err != nil:
		return []string{"Accounts unavailable"}
	case len(s.Accounts) > 0:
		return nil
	case s.Loading:
		return []string{"Loading accounts…"}
	default:
		return []string{"No accounts connected"}
	}
}

// TrayIcon chooses the tray icon for state: attention when an account needs
// reconnecting or the accounts could not be read, busy while signing in or
// loading, normal otherwise.
func TrayIcon(state TrayState) fyne.Resource {
	switch {
	case state.NeedsAttention():
		return trayIconAttention
	case state.SigningIn, state.Loading:
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
