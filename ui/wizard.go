package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/accounts"
)

// Wizard steps, in order.
const (
	stepProvider = iota
	stepAllow
	stepRegistration
	stepBrowser
	stepResult
)

var stepTitles = []string{"Choose the provider", "Choose what to allow", "Your app registration", "Continue in your browser", "Done"}

// wizardStep is one step of the wizard, each in a file of its own
// (wizard_*.go): what it shows and what Next does. The wizard sets the
// footer to its usual look (Back, Next, Cancel) before content, which
// changes what differs on its step.
type wizardStep interface {
	content() fyne.CanvasObject
	next()
}

// wizard is the "Connect an account" window: provider, permissions, app
// registration, browser sign-in, result. It holds what the steps share
// (the window, the chosen provider, the account being reconnected) and
// the steps, whose own state and methods it embeds. It talks to the core
// only through bg, off the UI goroutine.
type wizard struct {
	app  fyne.App
	win  fyne.Window
	core AccountService
	bg   *background
	// onConnected runs on the UI goroutine after an account was saved.
	onConnected func(accounts.Account)
	// onManage opens the accounts window.
	onManage func()
	// openURL opens a web page (tests replace it).
	openURL func(string) error
	// now is the clock of the countdown, and after runs f once after d on
	// another goroutine (tests fix the one and stop the other).
	now   func() time.Time
	after func(d time.Duration, f func())
	// onSigningIn runs on the UI goroutine when a browser sign-in starts
	// or ends, so the tray can show it.
	onSigningIn func()

	step      int
	providers []ProviderInfo
	provider  ProviderInfo
	// reconnect is the account being reconnected or extended, "" for a new one.
	reconnect accounts.Account
	// addPermissions is true when adding permissions to w.reconnect.
	addPermissions bool

	providerStep
	allowStep
	registrationStep
	browserStep
	resultStep
	steps []wizardStep // by step number

	title   *widget.Label
	counter *widget.Label
	body    *container.Scroll
	back    *widget.Button
	next    *widget.Button
	close   *widget.Button
	footer  *fyne.Container
}

// newWizard creates the wizard window, hidden.
func newWizard(a fyne.App, core AccountService, bg *background, onConnected func(accounts.Account), onManage func()) *wizard {
	w := &wizard{app: a, core: core, bg: bg, onConnected: onConnected, onManage: onManage, win: a.NewWindow("Connect an account")}
	w.providerStep.w, w.allowStep.w, w.registrationStep.w, w.browserStep.w, w.resultStep.w = w, w, w, w, w
	w.steps = []wizardStep{&w.providerStep, &w.allowStep, &w.registrationStep, &w.browserStep, &w.resultStep}
	w.openURL = func(u string) error { return openURLIn(a, u) }
	w.now = time.Now
	w.after = func(d time.Duration, f func()) { time.AfterFunc(d, f) }
	w.win.SetIcon(appIcon)
	w.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.title.SizeName = theme.SizeNameSubHeadingText
	w.counter = widget.NewLabel("")
	w.body = container.NewVScroll(widget.NewLabel(""))
	w.back = widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), w.goBack)
	w.next = widget.NewButtonWithIcon("Next", theme.NavigateNextIcon(), func() { w.steps[w.step].next() })
	w.next.IconPlacement = widget.ButtonIconTrailingText
	w.next.Importance = widget.HighImportance
	w.close = widget.NewButton("Cancel", w.dismiss)
	header := container.NewVBox(container.NewBorder(nil, nil, nil, w.counter, w.title), widget.NewSeparator())
	buttons := container.NewBorder(nil, nil, w.close, container.NewHBox(w.back, w.next))
	w.footer = container.NewVBox(widget.NewSeparator(), buttons)
	w.win.SetContent(container.NewBorder(header, w.footer, nil, nil, w.body))
	w.win.Resize(fyne.NewSize(620, 560))
	w.win.SetCloseIntercept(w.dismiss)
	w.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyW, Modifier: fyne.KeyModifierShortcutDefault},
		func(fyne.Shortcut) { w.dismiss() })
	w.win.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		switch ev.Name {
		case fyne.KeyEscape:
			w.dismiss()
		case fyne.KeyReturn, fyne.KeyEnter:
			if w.next.Visible() && !w.next.Disabled() {
				w.next.OnTapped()
			}
		}
	})
	return w
}

// start shows the wizard for a new account. providers come from the core.
func (w *wizard) start(providers []ProviderInfo) {
	w.providers = providers
	w.reconnect = accounts.Account{}
	w.addPermissions = false
	w.provider = ProviderInfo{}
	w.caps = nil
	w.win.SetTitle("Connect an account")
	w.show(stepProvider)
	w.win.Show()
	w.win.RequestFocus()
}

// startFor shows the wizard to reconnect a, or to add permissions to it
// (then its current permissions are preselected and more may be ticked).
func (w *wizard) startFor(providers []ProviderInfo, a accounts.Account, caps []Capability, reg Registration, addPermissions bool) {
	w.providers = providers
	w.reconnect = a
	w.addPermissions = addPermissions
	w.replaceWith = nil
	for _, p := range providers {
		if p.Name == a.Provider {
			w.provider = p
		}
	}
	w.setCapabilities(caps, nonNilCapabilities(a.Capabilities))
	w.fillRegistration(reg)
	if addPermissions {
		w.win.SetTitle("Add permissions to " + accountAddress(a))
	} else {
		w.win.SetTitle("Reconnect " + accountAddress(a))
	}
	w.show(stepAllow)
	w.win.Show()
	w.win.RequestFocus()
}

// dismiss cancels a sign-in under way and hides the window.
func (w *wizard) dismiss() {
	w.cancelSignIn()
	w.win.Hide()
}

// show puts step on screen: the footer as most steps have it (Back from
// the second step on, Next, Cancel), then the step's own content, which
// changes what differs.
func (w *wizard) show(step int) {
	w.step = step
	w.title.SetText(stepTitles[step])
	w.updateCounter()
	first := stepProvider
	if w.reconnect.ID != "" {
		first = stepAllow
	}
	setVisible(w.back, step > first)
	setVisible(w.next, true)
	w.next.Enable()
	w.next.SetText("Next")
	w.next.SetIcon(theme.NavigateNextIcon())
	w.close.SetText("Cancel")
	page := w.steps[step]
	w.body.Content = container.NewPadded(page.content())
	w.body.Offset = fyne.Position{}
	w.body.Refresh()
	// The buttons' labels changed: lay the footer out again.
	w.footer.Refresh()
	if f, ok := page.(interface{ focus() fyne.Focusable }); ok {
		if field := f.focus(); field != nil {
			w.win.Canvas().Focus(field)
		}
	}
}

// updateCounter shows which step of how many this is: 3 when the
// registration step is skipped, else 4.
func (w *wizard) updateCounter() {
	if w.step >= stepResult {
		w.counter.SetText("")
		return
	}
	n, total := w.step+1, 4
	if w.skipsRegistration() {
		total = 3
		if w.step > stepRegistration {
			n--
		}
	}
	w.counter.SetText(fmt.Sprintf("Step %d of %d", n, total))
}

// skipsRegistration: this build has an app registration for the chosen
// provider, so the person is not asked for one.
func (w *wizard) skipsRegistration() bool { return w.provider.DefaultRegistration }

func (w *wizard) goBack() {
	switch w.step {
	case stepResult:
		if w.skipsRegistration() {
			w.show(stepAllow)
			return
		}
		w.show(stepRegistration)
	default:
		w.show(w.step - 1)
	}
}
