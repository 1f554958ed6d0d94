package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/accounts"
)

// signInTimeout is how long the wizard waits for the browser sign-in.
const signInTimeout = 5 * time.Minute

// browserStep runs the browser sign-in and waits for it: the sign-in URL
// with a copy button in case the browser did not open, a countdown, and
// Cancel. Its result goes to the result step.
type browserStep struct {
	w         *wizard
	signInURL *widget.Label
	copyURL   *widget.Button
	countdown *widget.Label
	cancel    context.CancelFunc
	// signIns counts sign-ins started, so a cancelled one finishing late
	// does not show its result.
	signIns int
	// replaceWith is set when the person chose Replace after another
	// person signed in with the account's address: the next sign-in
	// replaces it if that same person signs in again.
	replaceWith *accounts.Identity
	// otherPerson asks whether to replace the account with the person who
	// signed in (tests tap it).
	otherPerson *dialog.ConfirmDialog
}

// content is the waiting page. There is no going back or on from it, only
// cancelling.
func (s *browserStep) content() fyne.CanvasObject {
	w := s.w
	setVisible(w.back, false)
	setVisible(w.next, false)
	s.signInURL = copyableText("")
	s.copyURL = widget.NewButtonWithIcon("Copy link", theme.ContentCopyIcon(), func() {
		if s.signInURL.Text != "" {
			w.app.Clipboard().SetContent(s.signInURL.Text)
		}
	})
	s.copyURL.Disable()
	s.countdown = widget.NewLabel("")
	w.close.SetText("Cancel sign-in")
	progress := widget.NewProgressBarInfinite()
	return container.NewVBox(
		paragraph("Your browser opens "+w.provider.Title+"'s sign-in page. Sign in there and approve what Latchkey asks for; then come back here."),
		progress,
		s.countdown,
		widget.NewSeparator(),
		caption("If no browser window opened, copy this link into your browser (it works only once):"),
		container.NewBorder(nil, nil, nil, s.copyURL, s.signInURL),
	)
}

// next is never called: the step has no Next button.
func (s *browserStep) next() {}

// startSignIn remembers the registration and runs the sign-in in a
// goroutine, showing this step until its result is in.
func (s *browserStep) startSignIn() {
	w := s.w
	reg := w.registration()
	var ids []string
	for _, c := range w.chosenCapabilities() {
		ids = append(ids, c.ID)
	}
	plan := ConnectPlan{Provider: w.provider.Name, Capabilities: ids, Registration: reg, Timeout: signInTimeout}
	if s.replaceWith != nil {
		plan.Replace, plan.ReplaceWith = true, *s.replaceWith
	}
	s.replaceWith = nil
	if w.addPermissions {
		plan.Account = w.reconnect.ID
	}
	w.show(stepBrowser)
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.signIns++
	attempt := s.signIns
	deadline := w.now().Add(signInTimeout)
	s.tick(deadline)
	s.signingInChanged()

	// A skipped registration step changed nothing: config.toml stays.
	save := !w.skipsRegistration()
	var (
		a       accounts.Account
		details Details
		err     error
	)
	w.bg.run(func() {
		defer cancel()
		// Remember the registration even if the sign-in fails: the person
		// typed it once.
		if save {
			err = w.core.SaveRegistration(plan.Provider, reg)
		}
		if err == nil {
			a, err = w.core.Connect(ctx, plan, func(u string) {
				fyne.Do(func() {
					if attempt == s.signIns && s.signInURL != nil {
						s.signInURL.SetText(u)
						s.copyURL.Enable()
					}
				})
			})
		}
		if err == nil {
			details, _ = w.core.Details(ctx, a.ID)
		}
	}, func() {
		if attempt == s.signIns {
			s.finished(a, details, err)
		}
	})
}

// finished shows a sign-in's outcome. Call it on the UI goroutine.
func (s *browserStep) finished(a accounts.Account, details Details, err error) {
	w := s.w
	s.cancel = nil
	w.result, w.resultDetails, w.failure = a, details, err
	w.show(stepResult)
	s.signingInChanged()
	if err == nil && w.onConnected != nil {
		w.onConnected(a)
	}
	var other *accounts.IdentityMismatchError
	if errors.As(err, &other) && other.CanReplace {
		s.askReplace(other)
	}
}

// cancelSignIn cancels a sign-in under way, if any; its result, when it
// comes, is not shown.
func (s *browserStep) cancelSignIn() {
	if cancel := s.cancel; cancel != nil {
		s.cancel = nil
		s.signIns++ // its result is no longer wanted
		s.signingInChanged()
		cancel()
	}
}

// askReplace asks, after another person signed in with the address of
// the account being reconnected, whether to keep the account as it is
// (nothing was changed) or sign in again and replace it.
func (s *browserStep) askReplace(e *accounts.IdentityMismatchError) {
	d := dialog.NewCustomConfirm("Another account signed in", "Replace", "Keep", wrapped(plainError(e), 440), func(replace bool) {
		if replace {
			s.replaceWith = &e.SignedIn
			s.startSignIn()
		}
	}, s.w.win)
	d.SetConfirmImportance(widget.DangerImportance)
	s.otherPerson = d
	d.Show()
}

// signingIn reports whether a browser sign-in is under way.
func (s *browserStep) signingIn() bool { return s.cancel != nil }

func (s *browserStep) signingInChanged() {
	if s.w.onSigningIn != nil {
		s.w.onSigningIn()
	}
}

// tick shows the time left until deadline, once a second while the
// browser step is on screen; the timer is set only while waiting.
func (s *browserStep) tick(deadline time.Time) {
	w := s.w
	if w.step != stepBrowser || s.countdown == nil {
		return
	}
	left := deadline.Sub(w.now()).Round(time.Second)
	if left < 0 {
		left = 0
	}
	s.countdown.SetText(fmt.Sprintf("Waiting for you to finish signing in… %d:%02d left", int(left.Minutes()), int(left.Seconds())%60))
	attempt := s.signIns
	w.after(time.Second, func() {
		fyne.Do(func() {
			if attempt == s.signIns {
				s.tick(deadline)
			}
		})
	})
}
