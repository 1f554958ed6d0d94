package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// providerStep is the wizard's first step: which provider to connect.
type providerStep struct {
	w *wizard
	// providerChoices are the radio buttons, one a provider.
	providerChoices []*widget.RadioGroup
}

// content lists the providers as radio choices.
func (s *providerStep) content() fyne.CanvasObject {
	w := s.w
	intro := paragraph("Latchkey connects an account once, in your own browser, and keeps its sign-in in this computer's keychain. Which account do you want to connect?")
	box := container.NewVBox(intro)
	s.providerChoices = nil
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
			for _, other := range s.providerChoices {
				if other != choice {
					other.SetSelected("")
				}
			}
			s.chooseProvider(p)
		}
		if w.provider.Name == p.Name {
			choice.Selected = p.Title
		}
		s.providerChoices = append(s.providerChoices, choice)
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

func (s *providerStep) next() { s.w.show(stepAllow) }

// chooseProvider makes p the provider to connect.
func (s *providerStep) chooseProvider(p ProviderInfo) {
	w := s.w
	w.next.Enable()
	if p.Name == w.provider.Name {
		return
	}
	w.provider = p
	w.updateCounter()
	w.caps = nil // chosen again for the new provider
	w.fillRegistration(Registration{})
	// Last: its result may arrive at once.
	s.loadProviderSettings()
}

// loadProviderSettings fetches the remembered registration and the
// capabilities for the chosen provider.
func (s *providerStep) loadProviderSettings() {
	w := s.w
	p := w.provider.Name
	var (
		caps []Capability
		reg  Registration
		err  error
	)
	w.bg.run(func() {
		caps = w.core.Capabilities(p)
		reg, err = w.core.Registration(p)
	}, func() {
		if w.provider.Name != p {
			return
		}
		w.setCapabilities(caps, nil)
		if err == nil {
			w.fillRegistration(reg)
		}
	})
}
