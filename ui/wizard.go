package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/safetext"
)

// signInTimeout is how long the wizard waits for the browser sign-in.
const signInTimeout = 5 * time.Minute

// Wizard steps, in order.
const (
	stepProvider = iota
	stepAllow
	stepRegistration
	stepBrowser
	stepResult
)

var stepTitles = []string{"Choose the provider", "Choose what to allow", "Your app registration", "Continue in your browser", "Done"}

// wizard is the "Connect an account" window: provider, permissions, app
// registration, browser sign-in, result. It talks to the core only from
// goroutines and changes widgets through fyne.Do.
type wizard struct {
	app  fyne.App
	win  fyne.Window
	core Core
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
	// settingsLoaded is closed once the chosen provider's capabilities and
	// registration are in the wizard (tests wait on it).
	settingsLoaded <-chan struct{}
	// onSigningIn runs on the UI goroutine when a browser sign-in starts
	// or ends, so the tray can show it.
	onSigningIn func()

	step      int
	providers []ProviderInfo
	provider  ProviderInfo
	// reconnect is the account being reconnected or extended, "" for a new one.
	reconnect accounts.Account
	caps      []Capability
	checks    []*widget.Check
	// providerChoices are the provider step's radio buttons, one each.
	providerChoices []*widget.RadioGroup

	clientID, clientSecret, tenant *widget.Entry
	cloud                          *widget.Select

	// The browser step.
	signInURL *widget.Label
	copyURL   *widget.Button
	countdown *widget.Label
	cancel    context.CancelFunc
	// signIns counts sign-ins started, so a cancelled one finishing late
	// does not show its result.
	signIns int
	// done is closed when the current sign-in's result is on screen (tests).
	done chan struct{}

	result        accounts.Account
	resultDetails Details
	failure       error
	// addPermissions is true when adding permissions to w.reconnect.
	addPermissions bool
	// replaceWith is set when the person chose Replace after another
	// person signed in with the account's address: the next sign-in
	// replaces it if that same person signs in again.
	replaceWith *accounts.Identity
	// otherPerson asks whether to replace the account with the person who
	// signed in (tests tap it).
	otherPerson *dialog.ConfirmDialog

	title   *widget.Label
	counter *widget.Label
	body    *container.Scroll
	back    *widget.Button
	next    *widget.Button
	close   *widget.Button
	footer  *fyne.Container
}

// newWizard creates the wizard window, hidden.
func newWizard(a fyne.App, core Core, onConnected func(accounts.Account), onManage func()) *wizard {
	w := &wizard{app: a, core: core, onConnected: onConnected, onManage: onManage, win: a.NewWindow("Connect an account")}
	w.openURL = func(u string) error { return openURLIn(a, u) }
	w.now = time.Now
	w.after = func(d time.Duration, f func()) { time.AfterFunc(d, f) }
	w.win.SetIcon(appIcon)
	w.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.title.SizeName = theme.SizeNameSubHeadingText
	w.counter = widget.NewLabel("")
	w.body = container.NewVScroll(widget.NewLabel(""))
	w.back = widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), w.goBack)
	w.next = widget.NewButtonWithIcon("Next", theme.NavigateNextIcon(), w.goNext)
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
	if cancel := w.cancel; cancel != nil {
		w.cancel = nil
		w.signIns++ // its result is no longer wanted
		w.signingInChanged()
		cancel()
	}
	w.win.Hide()
}

func (w *wizard) show(step int) {
	w.step = step
	w.title.SetText(stepTitles[step])
	w.updateCounter()
	first := stepProvider
	if w.reconnect.ID != "" {
		first = stepAllow
	}
	setVisible(w.back, step > first && step != stepBrowser)
	setVisible(w.next, step != stepBrowser)
	w.next.Enable()
	// The result step's "Try again" rewires Next; every other step goes on.
	w.next.OnTapped = w.goNext
	w.next.SetText("Next")
	w.next.SetIcon(theme.NavigateNextIcon())
	w.close.SetText("Cancel")
	var content fyne.CanvasObject
	switch step {
	case stepProvider:
		content = w.providerStep()
	case stepAllow:
		content = w.allowStep()
		if w.skipsRegistration() {
			w.next.SetText("Continue in your browser")
			w.next.SetIcon(theme.ComputerIcon())
		}
	case stepRegistration:
		content = w.registrationStep()
		w.next.SetText("Continue in your browser")
		w.next.SetIcon(theme.ComputerIcon())
	case stepBrowser:
		content = w.browserStep()
	case stepResult:
		content = w.resultStep()
	}
	w.body.Content = container.NewPadded(content)
	w.body.Offset = fyne.Position{}
	w.body.Refresh()
	// The buttons' labels changed: lay the footer out again.
	w.footer.Refresh()
	if step == stepRegistration && w.clientID.Text == "" {
		// Type at once into the field most people fill in.
		w.win.Canvas().Focus(w.clientID)
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

func (w *wizard) goNext() {
	switch w.step {
	case stepProvider:
		w.show(stepAllow)
	case stepAllow:
		if w.skipsRegistration() {
			w.startSignIn()
			return
		}
		w.show(stepRegistration)
	case stepRegistration:
		w.startSignIn()
	case stepResult:
		w.win.Hide()
		if w.failure == nil && w.onManage != nil {
			w.onManage()
		}
	}
}

// providerStep lists the providers as radio choices.
func (w *wizard) providerStep() fyne.CanvasObject {
	intro := paragraph("Latchkey connects an account once, in your own browser, and keeps its sign-in in this computer's keychain. Which account do you want to connect?")
	box := container.NewVBox(intro)
	w.providerChoices = nil
	for _, p := range w.providers {
		p := p
		choice := widget.NewRadioGroup([]string{p.Title}, nil)
		choice.OnChanged = func(title string) {
			if title == "" {
				if w.provider.Name == p.Name {
					choice.SetSelected(p.Title) // a radio button does not untick itself
				}
				return
			}
			for _, other := range w.providerChoices {
				if other != choice {
					other.SetSelected("")
				}
			}
			w.chooseProvider(p)
		}
		if w.provider.Name == p.Name {
			choice.Selected = p.Title
		}
		w.providerChoices = append(w.providerChoices, choice)
		box.Add(choice)
		blurb := p.Blurb
		if p.DefaultRegistration {
			// Which registration signs in: this build's, not the person's.
			blurb += ". No app registration needed: this build of Latchkey brings its own."
		}
		box.Add(container.NewBorder(nil, nil, widget.NewLabel("   "), nil, caption(blurb)))
	}
	if w.provider.Name == "" {
		w.next.Disable()
	}
	return box
}

// chooseProvider makes p the provider to connect.
func (w *wizard) chooseProvider(p ProviderInfo) {
	w.next.Enable()
	if p.Name == w.provider.Name {
		return
	}
	w.provider = p
	w.updateCounter()
	w.caps = nil // chosen again for the new provider
	w.fillRegistration(Registration{})
	// Last: its result may arrive at once.
	w.loadProviderSettings()
}

// loadProviderSettings fetches the remembered registration and the
// capabilities for the chosen provider.
func (w *wizard) loadProviderSettings() {
	p := w.provider.Name
	loaded := make(chan struct{})
	w.settingsLoaded = loaded
	go func() {
		defer close(loaded)
		caps := w.core.Capabilities(p)
		reg, err := w.core.Registration(p)
		fyne.Do(func() {
			if w.provider.Name != p {
				return
			}
			w.setCapabilities(caps, nil)
			if err == nil {
				w.fillRegistration(reg)
			}
		})
	}()
}

// setCapabilities makes the checkboxes: the least-privilege defaults
// ticked, or, for an existing account, those whose scopes it holds.
func (w *wizard) setCapabilities(caps []Capability, held []accounts.Capability) {
	w.caps = caps
	w.checks = nil
	for _, c := range caps {
		ch := widget.NewCheck(c.Title, nil)
		has := slices.Contains(held, accounts.Capability(c.ID))
		switch {
		case held != nil:
			ch.SetChecked(c.Unavailable == "" && has)
		default:
			ch.SetChecked(c.Default && c.Unavailable == "")
		}
		if c.Unavailable != "" || (w.addPermissions && has) {
			// Adding permissions cannot take any away: Revoke does that.
			ch.Disable()
		}
		ch.OnChanged = func(bool) { w.updateAllowNext() }
		w.checks = append(w.checks, ch)
	}
}

// nonNilCapabilities is caps, never nil: nil means "a new account".
func nonNilCapabilities(caps []accounts.Capability) []accounts.Capability {
	if caps == nil {
		return []accounts.Capability{}
	}
	return caps
}

func (w *wizard) updateAllowNext() {
	if w.step != stepAllow {
		return
	}
	if len(w.chosenCapabilities()) == 0 {
		w.next.Disable()
	} else {
		w.next.Enable()
	}
}

// allowStep shows the capabilities as checkboxes, each expanding to its
// exact scopes.
func (w *wizard) allowStep() fyne.CanvasObject {
	if w.caps == nil {
		w.setCapabilities(w.core.Capabilities(w.provider.Name), nil)
	}
	intro := "Tick only what your programs need. You can add more later without connecting again from scratch."
	if w.addPermissions {
		intro = "Tick what to add. What " + accountAddress(w.reconnect) + " already allows stays as it is; your browser asks you to approve only the new permissions."
	}
	box := container.NewVBox(paragraph(intro))
	for i, c := range w.caps {
		rows := container.NewVBox()
		for _, s := range c.Scopes {
			rows.Add(scopeRow(s, nil))
		}
		var names []string
		for _, s := range c.Scopes {
			names = append(names, shortScope(s.Scope))
		}
		label := "Exact permissions: " + strings.Join(names, ", ")
		if needsAdmin(c.Scopes) {
			label += " · needs an administrator"
		}
		entry := container.NewVBox(w.checks[i])
		indent := func(o fyne.CanvasObject) fyne.CanvasObject {
			return container.NewBorder(nil, nil, widget.NewLabel(" "), nil, o)
		}
		if c.Description != "" {
			entry.Add(indent(caption(c.Description)))
		}
		if c.Unavailable != "" {
			entry.Add(indent(warning(c.Unavailable)))
		} else {
			entry.Add(indent(widget.NewAccordion(widget.NewAccordionItem(label, rows))))
		}
		box.Add(entry)
	}
	w.updateAllowNext()
	return box
}

// shortScope is a scope's last path element (Mail.Read, gmail.readonly),
// short enough for a heading.
func shortScope(scope string) string {
	if i := strings.LastIndexAny(scope, "/"); i >= 0 && i < len(scope)-1 {
		return scope[i+1:]
	}
	return scope
}

func needsAdmin(scopes []ScopeView) bool {
	return slices.ContainsFunc(scopes, func(s ScopeView) bool { return s.NeedsAdmin })
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// chosenCapabilities are the ticked capabilities; when adding
// permissions, only those newly ticked.
func (w *wizard) chosenCapabilities() []Capability {
	var out []Capability
	for i, c := range w.caps {
		if i < len(w.checks) && w.checks[i].Checked && !w.checks[i].Disabled() {
			out = append(out, c)
		}
	}
	return out
}

// fillRegistration puts reg into the registration fields.
func (w *wizard) fillRegistration(reg Registration) {
	w.ensureRegistrationFields()
	w.clientID.SetText(reg.ClientID)
	w.clientSecret.SetText(reg.ClientSecret)
	w.tenant.SetText(reg.Tenant)
	cloud := reg.Cloud
	if cloud == "" {
		cloud = "global"
	}
	w.cloud.SetSelected(cloud)
}

func (w *wizard) ensureRegistrationFields() {
	if w.clientID != nil {
		return
	}
	w.clientID = widget.NewEntry()
	w.clientID.SetPlaceHolder("Application (client) ID")
	w.clientID.OnChanged = func(string) { w.updateRegistrationNext() }
	w.clientSecret = widget.NewPasswordEntry()
	w.clientSecret.SetPlaceHolder("Client secret of the desktop client")
	w.clientSecret.OnChanged = func(string) { w.updateRegistrationNext() }
	w.tenant = widget.NewEntry()
	w.tenant.SetPlaceHolder("common (any account)")
	w.cloud = widget.NewSelect([]string{"global", "usgov", "usgov-dod", "china"}, nil)
}

func (w *wizard) updateRegistrationNext() {
	if w.step != stepRegistration {
		return
	}
	if w.registration().ClientID == "" || (w.provider.NeedsSecret && w.registration().ClientSecret == "") {
		w.next.Disable()
	} else {
		w.next.Enable()
	}
}

func (w *wizard) registration() Registration {
	r := Registration{ClientID: strings.TrimSpace(w.clientID.Text), ClientSecret: strings.TrimSpace(w.clientSecret.Text)}
	if w.provider.Microsoft {
		r.Tenant = strings.TrimSpace(w.tenant.Text)
		if w.cloud.Selected != "global" {
			r.Cloud = w.cloud.Selected
		}
	}
	return r
}

// registrationStep asks for the person's app registration, with the steps
// to make one.
func (w *wizard) registrationStep() fyne.CanvasObject {
	w.ensureRegistrationFields()
	redirect := copyableText(w.provider.RedirectURI)
	copyRedirect := widget.NewButtonWithIcon("", theme.ContentCopyIcon(), func() {
		w.app.Clipboard().SetContent(w.provider.RedirectURI)
	})
	openConsole := widget.NewButtonWithIcon("Open the registration page", theme.ComputerIcon(), func() {
		go w.openURL(w.provider.Console)
	})
	var steps string
	if w.provider.Microsoft {
		steps = "1. In the Microsoft Entra admin center, choose App registrations, then New registration.\n" +
			"2. Under Supported account types, choose accounts in any organization and personal Microsoft accounts.\n" +
			"3. Add the platform \"Mobile and desktop applications\" with the redirect URI below, and allow public client flows.\n" +
			"4. Copy the Application (client) ID into the field below."
	} else {
		steps = "1. In the Google Cloud console, enable the APIs you need (Gmail, Calendar, People).\n" +
			"2. On the OAuth consent screen, add yourself as a test user or publish the app: sign-ins of apps left in Testing end after 7 days.\n" +
			"3. Create an OAuth client ID of type \"Desktop app\". Desktop clients accept the loopback redirect below without entering it.\n" +
			"4. Copy the client ID and client secret into the fields below."
	}
	form := widget.NewForm(widget.NewFormItem("Client ID", w.clientID))
	if w.provider.NeedsSecret {
		form.Append("Client secret", w.clientSecret)
	}
	if w.provider.Microsoft {
		form.Append("Tenant", w.tenant)
		form.Append("Cloud", w.cloud)
	}
	note := caption("Latchkey remembers these settings in its config file for the next connection. The client ID is not a secret.")
	box := container.NewVBox(
		paragraph("Latchkey signs you in through an app registration you own, so nobody else can switch your access off. "+
			"If you already have one, fill in its details; if not, it takes about five minutes:"),
		paragraph(steps),
		container.NewBorder(nil, nil, widget.NewLabel("Redirect URI"), copyRedirect, redirect),
		container.NewHBox(openConsole),
		widget.NewSeparator(),
		form,
		note,
	)
	w.updateRegistrationNext()
	return box
}

// browserStep waits for the browser sign-in: the URL with a copy button in
// case the browser did not open, a countdown and a cancel button.
func (w *wizard) browserStep() fyne.CanvasObject {
	w.signInURL = copyableText("")
	w.copyURL = widget.NewButtonWithIcon("Copy link", theme.ContentCopyIcon(), func() {
		if w.signInURL.Text != "" {
			w.app.Clipboard().SetContent(w.signInURL.Text)
		}
	})
	w.copyURL.Disable()
	w.countdown = widget.NewLabel("")
	w.close.SetText("Cancel sign-in")
	progress := widget.NewProgressBarInfinite()
	return container.NewVBox(
		paragraph("Your browser opens "+w.provider.Title+"'s sign-in page. Sign in there and approve what Latchkey asks for; then come back here."),
		progress,
		w.countdown,
		widget.NewSeparator(),
		caption("If no browser window opened, copy this link into your browser (it works only once):"),
		container.NewBorder(nil, nil, nil, w.copyURL, w.signInURL),
	)
}

// startSignIn remembers the registration and runs the sign-in in a goroutine.
func (w *wizard) startSignIn() {
	reg := w.registration()
	var ids []string
	for _, c := range w.chosenCapabilities() {
		ids = append(ids, c.ID)
	}
	plan := ConnectPlan{Provider: w.provider.Name, Capabilities: ids, Registration: reg, Timeout: signInTimeout}
	if w.replaceWith != nil {
		plan.Replace, plan.ReplaceWith = true, *w.replaceWith
	}
	w.replaceWith = nil
	if w.addPermissions {
		plan.Account = w.reconnect.ID
	}
	w.show(stepBrowser)
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	w.signIns++
	attempt := w.signIns
	done := make(chan struct{})
	w.done = done
	deadline := w.now().Add(signInTimeout)
	w.tick(deadline)
	w.signingInChanged()

	// A skipped registration step changed nothing: config.toml stays.
	save := !w.skipsRegistration()
	go func() {
		// Remember the registration even if the sign-in fails: the person
		// typed it once.
		var saveErr error
		if save {
			saveErr = w.core.SaveRegistration(plan.Provider, reg)
		}
		var a accounts.Account
		err := saveErr
		if err == nil {
			a, err = w.core.Connect(ctx, plan, func(u string) {
				fyne.Do(func() {
					if attempt == w.signIns && w.signInURL != nil {
						w.signInURL.SetText(u)
						w.copyURL.Enable()
					}
				})
			})
		}
		var details Details
		if err == nil {
			details, _ = w.core.Details(ctx, a.ID)
		}
		cancel()
		fyne.Do(func() {
			defer close(done)
			if attempt != w.signIns {
				return
			}
			w.cancel = nil
			w.result, w.resultDetails, w.failure = a, details, err
			w.show(stepResult)
			w.signingInChanged()
			if err == nil && w.onConnected != nil {
				w.onConnected(a)
			}
			var other *accounts.IdentityMismatchError
			if errors.As(err, &other) && other.CanReplace {
				w.askReplace(other)
			}
		})
	}()
}

// askReplace asks, after another person signed in with the address of
// the account being reconnected, whether to keep the account as it is
// (nothing was changed) or sign in again and replace it.
func (w *wizard) askReplace(e *accounts.IdentityMismatchError) {
	d := dialog.NewCustomConfirm("Another account signed in", "Replace", "Keep", wrapped(plainError(e), 440), func(replace bool) {
		if replace {
			w.replaceWith = &e.SignedIn
			w.startSignIn()
		}
	}, w.win)
	d.SetConfirmImportance(widget.DangerImportance)
	w.otherPerson = d
	d.Show()
}

// signingIn reports whether a browser sign-in is under way.
func (w *wizard) signingIn() bool { return w.cancel != nil }

func (w *wizard) signingInChanged() {
	if w.onSigningIn != nil {
		w.onSigningIn()
	}
}

// tick shows the time left until deadline, once a second while the
// browser step is on screen; the timer is set only while waiting.
func (w *wizard) tick(deadline time.Time) {
	if w.step != stepBrowser || w.countdown == nil {
		return
	}
	left := deadline.Sub(w.now()).Round(time.Second)
	if left < 0 {
		left = 0
	}
	w.countdown.SetText(fmt.Sprintf("Waiting for you to finish signing in… %d:%02d left", int(left.Minutes()), int(left.Seconds())%60))
	attempt := w.signIns
	w.after(time.Second, func() {
		fyne.Do(func() {
			if attempt == w.signIns {
				w.tick(deadline)
			}
		})
	})
}

// copyableText shows a URL that people may select and copy: full contrast,
// unlike a disabled entry, and cut short with an ellipsis.
func copyableText(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Selectable = true
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

// resultStep says who is connected and what was granted, or why not.
func (w *wizard) resultStep() fyne.CanvasObject {
	setVisible(w.back, w.failure != nil)
	w.close.SetText("Close")
	if w.failure != nil {
		w.title.SetText("Not connected")
		w.next.SetText("Try again")
		w.next.SetIcon(theme.ViewRefreshIcon())
		w.next.OnTapped = func() { w.next.OnTapped = w.goNext; w.startSignIn() }
		box := container.NewVBox(warning(plainError(w.failure)))
		var ac *accounts.AdminConsentError
		if errors.As(w.failure, &ac) && ac.URL != "" {
			link := copyableText(ac.URL)
			copyLink := widget.NewButtonWithIcon("Copy link", theme.ContentCopyIcon(), func() { w.app.Clipboard().SetContent(ac.URL) })
			box.Add(container.NewBorder(nil, nil, nil, copyLink, link))
		}
		return box
	}
	w.next.OnTapped = w.goNext
	w.title.SetText("Connected")
	w.next.SetText("Manage accounts")
	w.next.SetIcon(theme.SettingsIcon())
	a := w.result
	who := safetext.Line(a.Email)
	if a.Name != "" {
		who = safetext.Line(a.Name) + " (" + who + ")"
	}
	box := container.NewVBox(heading("Connected as "+who), caption(providerName(a.Provider)+" · programs can now get tokens with: latchkey token "+safetext.Line(a.Email)))
	d := w.resultDetails
	box.Add(subheading("What was granted"))
	for _, o := range permissionSections(d) {
		box.Add(o)
	}
	if len(d.NotGranted) == 0 {
		box.Add(caption("Everything Latchkey asked for was granted."))
	}
	return box
}
