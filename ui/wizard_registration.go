package ui

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/accounts/catalog"
)

// registrationStep asks for the person's own app registration, with the
// steps to make one. A build with a default registration for the chosen
// provider skips it.
type registrationStep struct {
	w                              *wizard
	clientID, clientSecret, tenant *widget.Entry
	cloud                          *widget.Select
}

// content shows the steps to register an app and the registration's fields.
func (s *registrationStep) content() fyne.CanvasObject {
	w := s.w
	w.next.SetText("Continue in your browser")
	w.next.SetIcon(theme.ComputerIcon())
	s.ensureRegistrationFields()
	redirect := copyableText(w.provider.RedirectURI)
	copyRedirect := widget.NewButtonWithIcon("", theme.ContentCopyIcon(), func() {
		w.app.Clipboard().SetContent(w.provider.RedirectURI)
	})
	openConsole := widget.NewButtonWithIcon("Open the registration page", theme.ComputerIcon(), func() {
		go w.openURL(w.provider.Console)
	})
	var steps []string
	for i, step := range w.provider.Steps {
		steps = append(steps, strconv.Itoa(i+1)+". "+step)
	}
	form := widget.NewForm(widget.NewFormItem("Client ID", s.clientID))
	if w.provider.NeedsSecret {
		form.Append("Client secret", s.clientSecret)
	}
	if w.provider.Microsoft {
		form.Append("Tenant", s.tenant)
		form.Append("Cloud", s.cloud)
	}
	note := caption("Latchkey remembers these settings in its config file for the next connection. The client ID is not a secret.")
	box := container.NewVBox(
		paragraph("Latchkey signs you in through an app registration you own, so nobody else can switch your access off. "+
			"If you already have one, fill in its details; if not, it takes about five minutes:"),
		paragraph(strings.Join(steps, "\n")),
		container.NewBorder(nil, nil, widget.NewLabel("Redirect URI"), copyRedirect, redirect),
		container.NewHBox(openConsole),
		widget.NewSeparator(),
		form,
		note,
	)
	s.updateRegistrationNext()
	return box
}

func (s *registrationStep) next() { s.w.startSignIn() }

// focus is the field to type into once the step is on screen: the client
// ID, which most people fill in, while it is empty.
func (s *registrationStep) focus() fyne.Focusable {
	if s.clientID.Text == "" {
		return s.clientID
	}
	return nil
}

// fillRegistration puts reg into the registration fields.
func (s *registrationStep) fillRegistration(reg Registration) {
	s.ensureRegistrationFields()
	s.clientID.SetText(reg.ClientID)
	s.clientSecret.SetText(reg.ClientSecret)
	s.tenant.SetText(reg.Tenant)
	cloud := reg.Cloud
	if cloud == "" {
		cloud = "global"
	}
	s.cloud.SetSelected(cloud)
}

func (s *registrationStep) ensureRegistrationFields() {
	if s.clientID != nil {
		return
	}
	s.clientID = widget.NewEntry()
	s.clientID.SetPlaceHolder("Application (client) ID")
	s.clientID.OnChanged = func(string) { s.updateRegistrationNext() }
	s.clientSecret = widget.NewPasswordEntry()
	s.clientSecret.SetPlaceHolder("Client secret of the desktop client")
	s.clientSecret.OnChanged = func(string) { s.updateRegistrationNext() }
	s.tenant = widget.NewEntry()
	s.tenant.SetPlaceHolder("common (any account)")
	s.cloud = widget.NewSelect(catalog.CloudNames(), nil)
}

func (s *registrationStep) updateRegistrationNext() {
	if s.w.step != stepRegistration {
		return
	}
	if s.registration().ClientID == "" || (s.w.provider.NeedsSecret && s.registration().ClientSecret == "") {
		s.w.next.Disable()
	} else {
		s.w.next.Enable()
	}
}

// registration is what the fields hold, trimmed; tenant and cloud only
// for Microsoft.
func (s *registrationStep) registration() Registration {
	r := Registration{ClientID: strings.TrimSpace(s.clientID.Text), ClientSecret: strings.TrimSpace(s.clientSecret.Text)}
	if s.w.provider.Microsoft {
		r.Tenant = strings.TrimSpace(s.tenant.Text)
		if s.cloud.Selected != "global" {
			r.Cloud = s.cloud.Selected
		}
	}
	return r
}
