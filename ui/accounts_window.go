package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/accounts"
)

// emptyText is shown when no account is connected.
const emptyText = "**No accounts yet.**\n\n" +
	"Connect one from a terminal with `latchkey connect microsoft`, then press Refresh."

// accountsWindow is the "Manage accounts" screen: the connected accounts
// with their provider and state, and a Refresh button.
type accountsWindow struct {
	win fyne.Window
	// hide hides the window, for Escape and the close button when the app
	// lives in the tray. Tests replace it to observe it.
	hide func()

	refresh *widget.Button
	loading *widget.Label
	failure *widget.Label
	empty   *widget.RichText
	list    *fyne.Container // one row per account, rebuilt by show
	scroll  *container.Scroll
	body    *fyne.Container // everything under the header
}

// newAccountsWindow creates the window, hidden. onRefresh runs when the
// person presses Refresh.
func newAccountsWindow(a fyne.App, onRefresh func()) *accountsWindow {
	w := &accountsWindow{win: a.NewWindow(AppName)}
	w.hide = w.win.Hide
	w.win.SetIcon(appIcon)

	title := widget.NewLabelWithStyle("Accounts", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.refresh = widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), onRefresh)
	header := container.NewBorder(nil, nil, title, w.refresh)

	w.loading = widget.NewLabel("Loading accounts…")
	w.failure = widget.NewLabel("")
	w.failure.Wrapping = fyne.TextWrapWord
	w.failure.Importance = widget.DangerImportance
	w.empty = widget.NewRichTextFromMarkdown(emptyText)
	w.empty.Wrapping = fyne.TextWrapWord
	w.list = container.NewVBox()
	w.scroll = container.NewVScroll(w.list)

	// Only one of these is shown at a time, except that the list stays
	// while a reload runs or after a reload failed.
	w.body = container.NewBorder(w.failure, nil, nil, nil, container.NewStack(w.scroll, w.loading, w.empty))
	w.win.SetContent(container.NewBorder(header, nil, nil, nil, w.body))
	w.win.Resize(fyne.NewSize(480, 360))
	w.show(State{Loading: true})
	return w
}

// show displays state. Call it on the UI goroutine.
func (w *accountsWindow) show(s State) {
	setVisible(w.loading, s.Loading && len(s.Accounts) == 0 && s.Err == nil)
	setVisible(w.failure, s.Err != nil)
	if s.Err != nil {
		w.failure.SetText(describeError(s.Err))
	}
	setVisible(w.empty, !s.Loading && s.Err == nil && len(s.Accounts) == 0)

	rows := make([]fyne.CanvasObject, 0, 2*len(s.Accounts))
	for i, a := range s.Accounts {
		if i > 0 {
			rows = append(rows, widget.NewSeparator())
		}
		rows = append(rows, accountRow(a))
	}
	w.list.Objects = rows
	w.list.Refresh()
	setVisible(w.scroll, len(s.Accounts) > 0)

	if s.Loading {
		w.refresh.Disable()
	} else {
		w.refresh.Enable()
	}
	// Lay out again: hiding or showing a child does not.
	w.body.Refresh()
}

// accountRow shows one account: a state icon, its address, its provider
// and state, and why it needs reconnecting if it does. The lines are one
// RichText so they sit closer together than separate labels would.
func accountRow(a accounts.Account) fyne.CanvasObject {
	icon := widget.NewIcon(theme.ConfirmIcon())
	if a.Status != accounts.StatusConnected {
		icon.SetResource(theme.WarningIcon())
	}

	address := widget.RichTextStyleStrong
	address.Inline = false
	lines := []widget.RichTextSegment{
		&widget.TextSegment{Style: address, Text: accountAddress(a)},
		&widget.TextSegment{Style: widget.RichTextStyleParagraph, Text: accountDetail(a)},
	}
	if reason := accountReason(a); reason != "" {
		why := widget.RichTextStyle{ColorName: theme.ColorNameWarning}
		lines = append(lines, &widget.TextSegment{Style: why, Text: reason})
	}
	text := widget.NewRichText(lines...)
	text.Wrapping = fyne.TextWrapWord
	return container.NewBorder(nil, nil, container.NewCenter(icon), nil, text)
}

// hideOnCloseAndEscape makes the close button and Escape hide the window
// instead of closing it: the app lives in the tray.
func (w *accountsWindow) hideOnCloseAndEscape() {
	w.win.SetCloseIntercept(func() { w.hide() })
	w.win.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			w.hide()
		}
	})
}

func setVisible(o fyne.CanvasObject, visible bool) {
	if visible {
		o.Show()
	} else {
		o.Hide()
	}
}
