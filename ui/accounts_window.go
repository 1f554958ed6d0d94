package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/safetext"
)

// emptyText is shown when no account is connected.
const emptyText = "No accounts yet. Connect one to let your mail program, scripts and other tools sign in through Latchkey."

// accountActions are what the detail pane's buttons do, for one account.
// The shell provides them; each runs on the UI goroutine.
type accountActions struct {
	AddPermissions func(accounts.Account)
	Reconnect      func(accounts.Account)
	Revoke         func(accounts.Account)
	Remove         func(accounts.Account)
	OpenPage       func(accounts.Account)
	CopyToken      func(accounts.Account)
	// SetApproval switches asking before a new program gets a token.
	SetApproval func(a accounts.Account, on bool)
	// ForgetProgram drops the decision kept for the program at exe.
	ForgetProgram func(a accounts.Account, exe string)
}

// accountsWindow is the "Manage accounts" screen: the accounts on the
// left, the chosen one's permissions and actions on the right.
type accountsWindow struct {
	win fyne.Window
	// hide hides the window, for Escape and the close button when the app
	// lives in the tray. Tests replace it to observe it.
	hide    func()
	details func(accounts.Account) Details
	actions accountActions

	refresh *widget.Button
	connect *widget.Button
	loading *widget.Label
	failure *widget.Label
	empty   *fyne.Container
	list    *widget.List
	detail  *container.Scroll
	split   *container.Split
	body    *fyne.Container

	accounts []accounts.Account
	selected string // ID of the account in the detail pane
	// notice is a short message under the detail's actions (copied, removed).
	notice string
	// now is the clock for "3 minutes ago"; its Location is the zone times
	// are shown in (tests fix both).
	now func() time.Time
	// shortcuts are the Ctrl (Cmd) shortcuts by key, as bound (tests call
	// them: Fyne's test canvas does not deliver shortcuts).
	shortcuts map[fyne.KeyName]func()
	// dialog is the dialog on screen, nil if none.
	dialog dialog.Dialog
	// buttons of the detail pane on screen, by label, for tests ("Forget
	// PATH" for the kept decisions).
	buttons map[string]*widget.Button
	// approval is the detail pane's "Ask before…" switch, for tests.
	approval *widget.Check
}

// newAccountsWindow creates the window, hidden.
func newAccountsWindow(a fyne.App, onRefresh, onConnect func(), details func(accounts.Account) Details, actions accountActions) *accountsWindow {
	w := &accountsWindow{win: a.NewWindow(AppName), details: details, actions: actions}
	w.hide = w.win.Hide
	w.now = time.Now
	w.win.SetIcon(appIcon)

	title := heading("Accounts")
	w.refresh = widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), onRefresh)
	w.connect = widget.NewButtonWithIcon("Connect account…", theme.ContentAddIcon(), onConnect)
	w.connect.Importance = widget.HighImportance
	header := container.NewBorder(nil, nil, title, container.NewHBox(w.connect, w.refresh))

	w.loading = widget.NewLabel("Loading accounts…")
	w.failure = warning("")
	emptyConnect := widget.NewButtonWithIcon("Connect an account…", theme.ContentAddIcon(), onConnect)
	emptyConnect.Importance = widget.HighImportance
	emptyMsg := paragraph(emptyText)
	emptyMsg.Alignment = fyne.TextAlignCenter
	w.empty = container.NewVBox(layout.NewSpacer(), emptyMsg, container.NewCenter(emptyConnect), layout.NewSpacer())

	w.list = widget.NewList(
		func() int { return len(w.accounts) },
		func() fyne.CanvasObject {
			address := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			address.Truncation = fyne.TextTruncateEllipsis
			detail := widget.NewLabel("")
			detail.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, widget.NewIcon(theme.ConfirmIcon()), nil, container.NewVBox(address, detail))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			a := w.accounts[i]
			row := o.(*fyne.Container)
			text := row.Objects[0].(*fyne.Container)
			text.Objects[0].(*widget.Label).SetText(accountAddress(a))
			text.Objects[1].(*widget.Label).SetText(accountDetail(a))
			icon := row.Objects[1].(*widget.Icon)
			if a.Status == accounts.StatusConnected {
				icon.SetResource(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
			} else {
				icon.SetResource(theme.NewWarningThemedResource(theme.WarningIcon()))
			}
		},
	)
	w.list.OnSelected = func(i widget.ListItemID) {
		if i < len(w.accounts) {
			w.selected = w.accounts[i].ID
			w.notice = ""
			w.showDetail()
		}
	}
	w.detail = container.NewVScroll(widget.NewLabel(""))
	w.split = container.NewHSplit(w.list, w.detail)
	w.split.Offset = 0.34

	w.body = container.NewBorder(w.failure, nil, nil, nil, container.NewStack(w.split, w.loading, w.empty))
	w.win.SetContent(container.NewBorder(container.NewVBox(header, widget.NewSeparator()), nil, nil, nil, w.body))
	w.win.Resize(fyne.NewSize(860, 600))
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
	setVisible(w.split, len(s.Accounts) > 0)

	w.accounts = s.Accounts
	w.list.Refresh()
	index := -1
	for i, a := range w.accounts {
		if a.ID == w.selected {
			index = i
		}
	}
	if index < 0 && len(w.accounts) > 0 {
		index = 0
	}
	if index >= 0 {
		w.selected = w.accounts[index].ID
		w.list.Select(index)
	} else {
		w.selected = ""
	}
	w.showDetail()

	if s.Loading {
		w.refresh.Disable()
	} else {
		w.refresh.Enable()
	}
	// Lay out again: hiding or showing a child does not.
	w.body.Refresh()
}

// selectAccount shows the account with id in the detail pane.
func (w *accountsWindow) selectAccount(id string) {
	for i, a := range w.accounts {
		if a.ID == id {
			w.list.Select(i)
			return
		}
	}
}

func (w *accountsWindow) current() (accounts.Account, bool) {
	for _, a := range w.accounts {
		if a.ID == w.selected {
			return a, true
		}
	}
	return accounts.Account{}, false
}

// showDetail rebuilds the detail pane for the selected account.
func (w *accountsWindow) showDetail() {
	a, ok := w.current()
	if !ok {
		w.detail.Content = widget.NewLabel("")
		w.detail.Refresh()
		return
	}
	w.detail.Content = container.NewPadded(w.detailPane(a, w.details(a), w.now()))
	w.detail.Refresh()
}

// detailPane explains one account: its state, what it may do, grouped by
// capability, what was not granted, its dates, and the actions.
func (w *accountsWindow) detailPane(a accounts.Account, d Details, now time.Time) fyne.CanvasObject {
	w.buttons = map[string]*widget.Button{}
	button := func(label string, icon fyne.Resource, imp widget.Importance, run func(accounts.Account)) *widget.Button {
		b := widget.NewButtonWithIcon(label, icon, func() { run(a) })
		b.Importance = imp
		w.buttons[label] = b
		return b
	}
	box := container.NewVBox(heading(accountAddress(a)))
	state := providerName(a.Provider) + " · " + statusText(a.Status)
	if a.Name != "" && a.Name != a.Email {
		state = safetext.Line(a.Name) + " · " + state
	}
	box.Add(caption(state))
	if note := a.UnverifiedNote(); note != "" {
		box.Add(warning("Unverified address: " + safetext.Line(note) + "."))
	}
	if reason := accountReason(a); reason != "" {
		box.Add(warning(reason))
		if a.Status == accounts.StatusNeedsReconnect {
			box.Add(container.NewHBox(button("Reconnect", theme.ViewRefreshIcon(), widget.HighImportance, w.actions.Reconnect)))
		}
	}

	if d.RenewFailure != "" && a.Status == accounts.StatusConnected {
		box.Add(warning(d.RenewFailure))
	}
	box.Add(widget.NewForm(
		widget.NewFormItem("Connected", widget.NewLabel(when(a.ConnectedAt, now))),
		widget.NewFormItem("Last renewed", widget.NewLabel(when(a.LastRefresh, now))),
		widget.NewFormItem("Access token", widget.NewLabel(expiry(a.AccessExpiry, now))),
		widget.NewFormItem("Last used", widget.NewLabel(lastUse(d, now))),
	))
	if len(a.SharedMailboxes) > 0 {
		box.Add(subheading("Shared mailboxes"))
		for _, m := range a.SharedMailboxes {
			box.Add(widget.NewLabelWithStyle(safetext.Line(m), fyne.TextAlignLeading, fyne.TextStyle{Monospace: true}))
		}
		box.Add(caption("Programs open them with this account's sign-in: latchkey token " + safetext.Line(a.Email) + " --mailbox ADDRESS --format xoauth2"))
	}

	connected := a.Status == accounts.StatusConnected
	add := button("Add permissions", theme.ContentAddIcon(), widget.MediumImportance, w.actions.AddPermissions)
	var reconnect *widget.Button
	if a.Status != accounts.StatusNeedsReconnect {
		// A broken account has its Reconnect button up by the reason.
		reconnect = button("Reconnect", theme.ViewRefreshIcon(), widget.MediumImportance, w.actions.Reconnect)
	}
	page := button("Open the provider's permissions page", theme.ComputerIcon(), widget.MediumImportance, w.actions.OpenPage)
	if d.PermissionsPage == "" {
		page.Disable()
	}
	copyToken := button("Copy access token", theme.ContentCopyIcon(), widget.MediumImportance, w.actions.CopyToken)
	if !connected {
		copyToken.Disable()
	}
	remove := button("Remove from this computer", theme.DeleteIcon(), widget.MediumImportance, w.actions.Remove)
	revoke := button("Revoke access…", theme.CancelIcon(), widget.DangerImportance, w.actions.Revoke)
	if a.Status == accounts.StatusRevoking {
		// On hold until the revoke is finished: only finishing it, or
		// forgetting the account here, makes sense.
		add.Disable()
		reconnect.Disable()
	}
	rows := []fyne.CanvasObject{add, page, copyToken, remove, revoke}
	if reconnect != nil {
		rows = append([]fyne.CanvasObject{reconnect}, rows...)
	}
	box.Add(container.NewGridWithColumns(2, rows...))
	if w.notice != "" {
		box.Add(caption(w.notice))
	}

	box.Add(subheading("Programs"))
	for _, o := range w.programsSection(a, d, now) {
		box.Add(o)
	}

	box.Add(subheading("What programs may do"))
	for _, o := range permissionSections(d) {
		box.Add(o)
	}
	return box
}

// approvalLabel is the detail pane's switch for approval.
const approvalLabel = "Ask me before a new program gets a token"

// programsSection is the approval switch and the kept decisions, each
// with a Forget button.
func (w *accountsWindow) programsSection(a accounts.Account, d Details, now time.Time) []fyne.CanvasObject {
	w.approval = widget.NewCheck(approvalLabel, nil)
	w.approval.Checked = a.Approval
	w.approval.OnChanged = func(on bool) { w.actions.SetApproval(a, on) }
	explain := "Off: every program of yours that asks gets a token."
	if a.Approval {
		explain = "The first time a program asks (latchkey token), Latchkey shows who asks and waits for your answer. " +
			"Programs are known by their path; Always and Deny always are kept below."
	}
	out := []fyne.CanvasObject{w.approval, caption(explain)}
	for _, p := range d.Programs {
		verdict := "always refused"
		if p.Allow {
			verdict = "always allowed"
		}
		path := widget.NewLabelWithStyle(safetext.Line(p.Exe), fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
		path.Wrapping = fyne.TextWrapBreak
		forget := widget.NewButtonWithIcon("Forget", theme.DeleteIcon(), func() { w.actions.ForgetProgram(a, p.Exe) })
		w.buttons["Forget "+p.Exe] = forget
		out = append(out, container.NewBorder(nil, nil, nil, forget, container.NewVBox(path, caption(verdict+", since "+when(p.Decided, now)))))
	}
	if a.Approval && len(d.Programs) == 0 {
		out = append(out, caption("No program is always allowed or refused yet."))
	}
	return out
}

// permissionSections explain granted scopes grouped by capability, the
// sign-in scopes folded away, then what was not granted and what will
// therefore not work, then what the provider has not confirmed yet. The
// detail pane and the wizard's result use them.
func permissionSections(d Details) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	if len(d.Granted) == 0 {
		out = append(out, caption("Nothing beyond knowing who you are."))
	}
	for _, g := range d.Granted {
		rows := container.NewVBox()
		for _, s := range g.Scopes {
			rows.Add(scopeRow(s, grantedMark()))
		}
		if g.Title == "Sign-in" {
			// Every account has these; keep them out of the way.
			n := len(g.Scopes)
			out = append(out, widget.NewAccordion(widget.NewAccordionItem(fmt.Sprintf("Sign-in (%d permission%s)", n, plural(n)), rows)))
			continue
		}
		out = append(out, widget.NewLabelWithStyle(g.Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), rows)
	}
	if len(d.NotGranted) > 0 {
		out = append(out, subheading("Asked for but not granted"))
		for _, s := range d.NotGranted {
			out = append(out, scopeRow(s, notGrantedMark()))
		}
		if len(d.WontWork) > 0 {
			out = append(out, warning("So these will not work: "+catalog.JoinAnd(d.WontWork)+". Use Add permissions to ask again."))
		}
	}
	if len(d.Unconfirmed) > 0 {
		out = append(out, subheading("Not confirmed yet"),
			caption("Latchkey asked for these too. The provider says whether it allows them the first time a program uses them."))
		for _, s := range d.Unconfirmed {
			out = append(out, scopeRow(s, unconfirmedMark()))
		}
	}
	return out
}

// setNotice shows a short message under the actions.
func (w *accountsWindow) setNotice(text string) {
	w.notice = text
	w.showDetail()
}

// confirmRevoke asks before revoking, saying exactly what will happen at
// this provider. It returns the dialog (tests tap its buttons).
func (w *accountsWindow) confirmRevoke(a accounts.Account, plan string, revoke func()) *dialog.ConfirmDialog {
	return w.confirm("Revoke access for "+accountAddress(a)+"?", "Revoke access", plan, widget.DangerImportance, revoke)
}

// confirmRemove asks before forgetting an account on this computer.
func (w *accountsWindow) confirmRemove(a accounts.Account, remove func()) *dialog.ConfirmDialog {
	msg := "Latchkey will delete " + accountAddress(a) + "'s tokens from this computer and forget the account. " +
		"The access you granted stays valid at " + signInCompany(a.Provider) + ": use Revoke access to take it back there."
	return w.confirm("Remove "+accountAddress(a)+" from this computer?", "Remove", msg, widget.DangerImportance, remove)
}

// confirmCopyToken warns before putting a token on the clipboard.
func (w *accountsWindow) confirmCopyToken(a accounts.Account, copyIt func()) *dialog.ConfirmDialog {
	msg := "Anyone who has this token can use " + accountAddress(a) + " as you until it expires. " +
		"Paste it only where you trust. Latchkey clears the clipboard after 30 seconds."
	return w.confirm("Copy the access token?", "Copy", msg, widget.WarningImportance, copyIt)
}

// confirm shows a dialog that asks before an action: title, the action's
// button (of importance) and what it will do; onYes runs only if confirmed.
func (w *accountsWindow) confirm(title, action, msg string, importance widget.Importance, onYes func()) *dialog.ConfirmDialog {
	d := dialog.NewCustomConfirm(title, action, "Cancel", wrapped(msg, 440), func(ok bool) {
		if ok {
			onYes()
		}
	}, w.win)
	d.SetConfirmImportance(importance)
	w.showDialog(d)
	return d
}

// showDialog shows d and remembers it, so Escape dismisses it rather than
// hiding the window under it.
func (w *accountsWindow) showDialog(d dialog.Dialog) {
	w.dialog = d
	d.SetOnClosed(func() {
		if w.dialog == d {
			w.dialog = nil
		}
	})
	d.Show()
}

// hideOnCloseAndEscape makes the close button and Escape hide the window
// instead of closing it: the app lives in the tray. Escape first dismisses
// an open dialog.
func (w *accountsWindow) hideOnCloseAndEscape() {
	w.win.SetCloseIntercept(func() { w.hide() })
	w.win.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name != fyne.KeyEscape {
			return
		}
		if w.dialog != nil {
			w.dialog.Dismiss()
			return
		}
		w.hide()
	})
}

// addShortcuts binds the window's keyboard shortcuts (Ctrl, or Cmd on
// macOS): N connects an account, R refreshes, W hides the window, Q quits.
func (w *accountsWindow) addShortcuts(connect, refresh, quit func()) {
	w.shortcuts = map[fyne.KeyName]func(){}
	bind := func(key fyne.KeyName, run func()) {
		w.shortcuts[key] = run
		w.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault},
			func(fyne.Shortcut) { run() })
	}
	bind(fyne.KeyN, connect)
	bind(fyne.KeyR, refresh)
	bind(fyne.KeyW, func() { w.hide() })
	bind(fyne.KeyQ, quit)
}

func setVisible(o fyne.CanvasObject, visible bool) {
	if visible {
		o.Show()
	} else {
		o.Hide()
	}
}

// when is a past moment for people: "3 minutes ago (2 Jan 2026 03:04)".
func when(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return ago(now.Sub(t)) + " (" + t.In(now.Location()).Format("2 Jan 2006 15:04") + ")"
}

// lastUse says which program last got a token and when: "by msmtp, 3
// minutes ago".
func lastUse(d Details, now time.Time) string {
	if d.LastUsed.IsZero() {
		return "not yet by any program"
	}
	by := ""
	if d.LastUsedBy != "" {
		by = "by " + safetext.Line(d.LastUsedBy) + ", "
	}
	return by + ago(now.Sub(d.LastUsed))
}

// noAccessTokenYet is what the detail pane, like `latchkey show`, says
// before any program has asked for a token.
const noAccessTokenYet = "no access token yet (Latchkey gets one when a program asks)"

// expiry is when an access token expires, for people.
func expiry(t, now time.Time) string {
	switch {
	case t.IsZero():
		return noAccessTokenYet
	case !t.After(now):
		return "expired " + ago(now.Sub(t)) + "; Latchkey renews it when asked"
	}
	return "valid for " + duration(t.Sub(now)) + " (until " + t.In(now.Location()).Format("15:04") + ")"
}

func ago(d time.Duration) string {
	if d < time.Minute {
		return "just now"
	}
	return duration(d) + " ago"
}

func duration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "less than a minute"
	case d < time.Hour:
		n := int(d.Minutes())
		return fmt.Sprintf("%d minute%s", n, plural(n))
	case d < 48*time.Hour:
		n := int(d.Hours())
		return fmt.Sprintf("%d hour%s", n, plural(n))
	}
	n := int(d.Hours() / 24)
	return fmt.Sprintf("%d days", n)
}
