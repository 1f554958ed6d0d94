package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/safetext"
)

// resultStep says who is connected and what was granted, or why not; then
// Next opens the accounts window, or tries the sign-in again.
type resultStep struct {
	w             *wizard
	result        accounts.Account
	resultDetails Details
	failure       error
}

func (s *resultStep) content() fyne.CanvasObject {
	w := s.w
	setVisible(w.back, s.failure != nil)
	w.close.SetText("Close")
	if s.failure != nil {
		w.title.SetText("Not connected")
		w.next.SetText("Try again")
		w.next.SetIcon(theme.ViewRefreshIcon())
		box := container.NewVBox(warning(plainError(s.failure)))
		var ac *accounts.AdminConsentError
		if errors.As(s.failure, &ac) && ac.URL != "" {
			link := copyableText(ac.URL)
			copyLink := widget.NewButtonWithIcon("Copy link", theme.ContentCopyIcon(), func() { w.app.Clipboard().SetContent(ac.URL) })
			box.Add(container.NewBorder(nil, nil, nil, copyLink, link))
		}
		return box
	}
	w.title.SetText("Connected")
	w.next.SetText("Manage accounts")
	w.next.SetIcon(theme.SettingsIcon())
	a := s.result
	who := safetext.Line(a.Email)
	if a.Name != "" {
		who = safetext.Line(a.Name) + " (" + who + ")"
	}
	box := container.NewVBox(heading("Connected as "+who), caption(providerName(a.Provider)+" · programs can now get tokens with: latchkey token "+safetext.Line(a.Email)))
	d := s.resultDetails
	box.Add(subheading("What was granted"))
	for _, o := range permissionSections(d) {
		box.Add(o)
	}
	if len(d.NotGranted) == 0 {
		box.Add(caption("Everything Latchkey asked for was granted."))
	}
	return box
}

// next tries again after a failure; after a success it closes the wizard
// and opens the accounts window.
func (s *resultStep) next() {
	if s.failure != nil {
		s.w.startSignIn()
		return
	}
	s.w.win.Hide()
	if s.w.onManage != nil {
		s.w.onManage()
	}
}
