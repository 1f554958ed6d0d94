package ui

import (
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/latchkey/latchkey/accounts/catalog"
)

// allowStep is the wizard's step where the person ticks what to allow:
// the provider's capabilities, each expanding to its exact scopes.
type allowStep struct {
	w      *wizard
	caps   []Capability
	checks []*widget.Check
}

// content shows the capabilities as checkboxes.
func (s *allowStep) content() fyne.CanvasObject {
	w := s.w
	if w.skipsRegistration() {
		w.next.SetText("Continue in your browser")
		w.next.SetIcon(theme.ComputerIcon())
	}
	if s.caps == nil {
		s.setCapabilities(w.core.Capabilities(w.provider.Name), nil)
	}
	intro := "Tick only what your programs need. You can add more later without connecting again from scratch."
	if w.addPermissions {
		intro = "Tick what to add. What " + accountAddress(w.reconnect) + " already allows stays as it is; your browser asks you to approve only the new permissions."
	}
	box := container.NewVBox(paragraph(intro))
	for i, c := range s.caps {
		rows := container.NewVBox()
		for _, sc := range c.Scopes {
			rows.Add(scopeRow(sc, nil))
		}
		var names []string
		for _, sc := range c.Scopes {
			names = append(names, shortScope(sc.Scope))
		}
		label := "Exact permissions: " + strings.Join(names, ", ")
		if needsAdmin(c.Scopes) {
			label += " · needs an administrator"
		}
		entry := container.NewVBox(s.checks[i])
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
	s.updateAllowNext()
	return box
}

func (s *allowStep) next() {
	if s.w.skipsRegistration() {
		s.w.startSignIn()
		return
	}
	s.w.show(stepRegistration)
}

// setCapabilities makes the checkboxes: the least-privilege defaults
// ticked, or, for an existing account, those whose scopes it holds.
func (s *allowStep) setCapabilities(caps []Capability, held []catalog.Capability) {
	s.caps = caps
	s.checks = nil
	for _, c := range caps {
		ch := widget.NewCheck(c.Title, nil)
		has := slices.Contains(held, catalog.Capability(c.ID))
		switch {
		case held != nil:
			ch.SetChecked(c.Unavailable == "" && has)
		default:
			ch.SetChecked(c.Default && c.Unavailable == "")
		}
		if c.Unavailable != "" || (s.w.addPermissions && has) {
			// Adding permissions cannot take any away: Revoke does that.
			ch.Disable()
		}
		ch.OnChanged = func(bool) { s.updateAllowNext() }
		s.checks = append(s.checks, ch)
	}
}

func (s *allowStep) updateAllowNext() {
	if s.w.step != stepAllow {
		return
	}
	if len(s.chosenCapabilities()) == 0 {
		s.w.next.Disable()
	} else {
		s.w.next.Enable()
	}
}

// chosenCapabilities are the ticked capabilities; when adding
// permissions, only those newly ticked.
func (s *allowStep) chosenCapabilities() []Capability {
	var out []Capability
	for i, c := range s.caps {
		if i < len(s.checks) && s.checks[i].Checked && !s.checks[i].Disabled() {
			out = append(out, c)
		}
	}
	return out
}

// nonNilCapabilities is caps, never nil: nil means "a new account".
func nonNilCapabilities(caps []catalog.Capability) []catalog.Capability {
	if caps == nil {
		return []catalog.Capability{}
	}
	return caps
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
